namespace Stagecraft.Local.Processes;

/// <summary>The signals Stagecraft sends. Numbers are the Linux ones (TERM and KILL are the same on every Unix).</summary>
internal enum PosixSignal
{
    /// <summary>Signal 0: sends nothing, only checks that the target exists.</summary>
    Probe = 0,

    /// <summary>SIGKILL: cannot be caught.</summary>
    Kill = 9,

    /// <summary>SIGTERM: asks the process to exit.</summary>
    Terminate = 15,

    /// <summary>SIGCONT: resumes a stopped process so it can act on a pending SIGTERM.</summary>
    Continue = 18,
}
