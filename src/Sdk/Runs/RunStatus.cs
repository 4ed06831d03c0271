namespace Stagecraft.Runs;

/// <summary>What a backend knows about a run.</summary>
/// <param name="State">Where the run is in its life.</param>
/// <param name="ExitCode">The command's exit code once it ended (from the run's exit-code object), otherwise null.</param>
/// <param name="Message">A human-readable explanation (why it failed, why it is lost, what it is waiting for).</param>
public sealed record RunStatus(RunState State, int? ExitCode = null, string? Message = null)
{
    /// <summary>
    /// Why the run ended when the cause lies outside its command (preempted, machine lost), classified by the backend
    /// that knows its machines; <see cref="RunInterruption.None"/> otherwise. Callers decide on this, never on
    /// <see cref="Message"/>.
    /// </summary>
    public RunInterruption Interruption { get; init; }

    /// <summary>True for <see cref="RunState.Succeeded"/>, <see cref="RunState.Failed"/>, <see cref="RunState.Terminated"/> and <see cref="RunState.Lost"/>.</summary>
    public bool IsTerminal => IsTerminalState(State);

    /// <summary>True when the run ended because of something outside its command: <see cref="Interruption"/> is set, or the run is <see cref="RunState.Lost"/>.</summary>
    public bool IsInterrupted => Interruption != RunInterruption.None || State == RunState.Lost;

    /// <summary>True when <paramref name="state"/> can never change again.</summary>
    public static bool IsTerminalState(RunState state) =>
        state is RunState.Succeeded or RunState.Failed or RunState.Terminated or RunState.Lost;

    public override string ToString() =>
        State + (ExitCode is { } code ? $" (exit {code})" : string.Empty) + (Interruption == RunInterruption.None ? string.Empty : $" [{Interruption}]") + (Message is null ? string.Empty : ": " + Message);
}
