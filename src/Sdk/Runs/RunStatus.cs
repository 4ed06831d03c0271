namespace Stagecraft.Runs;

/// <summary>What a backend knows about a run.</summary>
/// <param name="State">Where the run is in its life.</param>
/// <param name="ExitCode">The command's exit code once it ended (from the run's exit-code object), otherwise null.</param>
/// <param name="Message">A human-readable explanation (why it failed, why it is lost, what it is waiting for).</param>
public sealed record RunStatus(RunState State, int? ExitCode = null, string? Message = null)
{
    /// <summary>True for <see cref="RunState.Succeeded"/>, <see cref="RunState.Failed"/>, <see cref="RunState.Terminated"/> and <see cref="RunState.Lost"/>.</summary>
    public bool IsTerminal => IsTerminalState(State);

    /// <summary>True when <paramref name="state"/> can never change again.</summary>
    public static bool IsTerminalState(RunState state) =>
        state is RunState.Succeeded or RunState.Failed or RunState.Terminated or RunState.Lost;

    public override string ToString() =>
        State + (ExitCode is { } code ? $" (exit {code})" : string.Empty) + (Message is null ? string.Empty : ": " + Message);
}
