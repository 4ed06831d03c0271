namespace Stagecraft.Runs;

/// <summary>Which output stream of a run.</summary>
public enum LogStream
{
    Stdout,
    Stderr,
}
