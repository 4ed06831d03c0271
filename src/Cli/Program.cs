using Stagecraft.Cli;
using Stagecraft.Cli.Hosting;
using Stagecraft.Cli.Output;

var environment = new CliEnvironment
{
    Style = Console.IsOutputRedirected ? OutputStyle.Plain : OutputStyle.Human,
    OpenRawOutput = Console.OpenStandardOutput,
};
return await StagecraftCli.RunAsync(args, Console.Out, Console.Error, environment);
