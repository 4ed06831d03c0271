namespace Stagecraft.Cli.Output;

/// <summary>How a command prints its result.</summary>
public enum OutputStyle
{
    /// <summary>Tables and trees drawn with Spectre.Console, for a terminal.</summary>
    Human,

    /// <summary>Aligned plain text without colours or box drawing, for pipes and files (the default when output is redirected).</summary>
    Plain,

    /// <summary>JSON for scripts (<c>--json</c>).</summary>
    Json,
}
