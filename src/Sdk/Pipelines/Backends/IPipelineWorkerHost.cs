using Stagecraft.Runs;

namespace Stagecraft.Pipelines;

/// <summary>
/// A run backend that ships the experiment's code to its machines itself (for example as an app bundle) and so knows
/// how a pipeline worker starts there. The runner starts workers on it with <see cref="WorkerCommand"/> instead of
/// <see cref="PipelineRunnerOptions.WorkerCommand"/>, so no path of the coordinator's machine reaches the backend's runs.
/// </summary>
public interface IPipelineWorkerHost : IRunBackend
{
    /// <summary>The worker command on the backend's machines; null when the backend ships no code (the runner's command is used).</summary>
    PipelineWorkerCommand? WorkerCommand { get; }
}
