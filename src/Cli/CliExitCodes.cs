namespace Stagecraft.Cli;

/// <summary>Exit codes of <c>stagecraft</c>. Scripts can rely on them; an unexpected exception is never reported as a usage error.</summary>
public static class CliExitCodes
{
    /// <summary>The command did its work.</summary>
    public const int Success = 0;

    /// <summary>The command line is wrong: unknown command or option, missing or invalid value (the error names the value and the rule).</summary>
    public const int UsageError = 1;

    /// <summary>What the command names does not exist: storage, run, stage, alias, model, object, reference root, or nothing could be read.</summary>
    public const int NotFound = 2;

    /// <summary>A precondition failed: a compare-and-swap lost (alias generation, object generation) or the thing is in the wrong state.</summary>
    public const int Conflict = 3;

    /// <summary>Anything else: storage errors, I/O errors, unexpected exceptions (printed with their type and stack trace).</summary>
    public const int Failure = 4;
}
