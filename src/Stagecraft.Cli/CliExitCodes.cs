namespace Stagecraft.Cli;

/// <summary>Exit codes of <c>stagecraft</c>.</summary>
public static class CliExitCodes
{
    /// <summary>The command did its work.</summary>
    public const int Success = 0;

    /// <summary>The command line could not be parsed (System.CommandLine's code).</summary>
    public const int UsageError = 1;

    /// <summary>Nothing could be read: storage unreachable or missing, or no complete upload to merge.</summary>
    public const int NothingRead = 2;
}
