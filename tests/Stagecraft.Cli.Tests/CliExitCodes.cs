namespace Stagecraft.Cli.Tests;

/// <summary>The exit codes as the README documents them for scripts; written out here so a change in the tool breaks these tests.</summary>
public static class CliExitCodes
{
    public const int Success = 0;
    public const int UsageError = 1;
    public const int NotFound = 2;
    public const int Conflict = 3;
    public const int Failure = 4;
}
