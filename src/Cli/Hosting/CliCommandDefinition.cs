using System.CommandLine;

namespace Stagecraft.Cli.Hosting;

/// <summary>
/// A command as its file defines it: the <see cref="System.CommandLine.Command"/> with its name, description,
/// arguments and own options, and the body that runs it. The common options and the error handling are attached in
/// one place, by its <see cref="CliRegistration"/>.
/// </summary>
internal sealed record CliCommandDefinition(Command Command, Func<CliContext, Task<int>> Body);
