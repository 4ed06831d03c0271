namespace Stagecraft.Cli.Hosting;

/// <summary>An error the CLI reports as one line with a definite exit code (see <see cref="CliExitCodes"/>).</summary>
public sealed class CliException : Exception
{
    public CliException()
        : this(CliExitCodes.Failure, "the command failed")
    {
    }

    public CliException(string message)
        : this(CliExitCodes.Failure, message)
    {
    }

    public CliException(string message, Exception? innerException)
        : base(message, innerException) => ExitCode = CliExitCodes.Failure;

    public CliException(int exitCode, string message, Exception? innerException = null)
        : base(message, innerException) => ExitCode = exitCode;

    /// <summary>The process exit code this error maps to.</summary>
    public int ExitCode { get; }

    /// <summary>A bad value on the command line: names the value and the rule.</summary>
    public static CliException Usage(string message, Exception? inner = null) => new(CliExitCodes.UsageError, message, inner);

    /// <summary>The thing named does not exist.</summary>
    public static CliException NotFound(string message, Exception? inner = null) => new(CliExitCodes.NotFound, message, inner);

    /// <summary>A precondition or state check failed.</summary>
    public static CliException Conflict(string message, Exception? inner = null) => new(CliExitCodes.Conflict, message, inner);
}
