namespace Stagecraft.Cli.Hosting;

/// <summary>A word that groups commands (<c>stagecraft GROUP COMMAND</c>), with its help text.</summary>
internal sealed record CliCommandGroup(string Name, string Description);
