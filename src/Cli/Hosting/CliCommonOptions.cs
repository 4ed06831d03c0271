namespace Stagecraft.Cli.Hosting;

/// <summary>The options many commands share, declared once in <see cref="CliGlobalOptions"/>; a command's registration says which it takes.</summary>
[Flags]
internal enum CliCommonOptions
{
    /// <summary>Only <c>--json</c>, which every command takes.</summary>
    None = 0,

    /// <summary><c>--storage</c>: the command works on an object store.</summary>
    Storage = 1,
}
