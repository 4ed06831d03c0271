namespace Stagecraft.WarmPool;

/// <summary>A job an instance accepted (it ACKed the claim): the run to execute and what the launcher stored for it.</summary>
/// <param name="Instance">The instance after the ACK (state <see cref="WarmInstanceState.Running"/>).</param>
/// <param name="RunId">The job's run: its logs and exit code go to this run's <see cref="Runs.RunPaths"/>.</param>
/// <param name="Content">The job document's bytes (backend-specific: a script, a task).</param>
public sealed record WarmJob(WarmInstance Instance, string RunId, ReadOnlyMemory<byte> Content);
