using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Pipelines;

namespace Stagecraft.Cli.Commands.Runs;

/// <summary>
/// <c>stagecraft runs resume RUN</c>: resuming needs the experiment's own code (its stages), which this tool does not
/// have, so it checks the run can be resumed and prints the command that resumes it.
/// </summary>
internal static class RunsResumeCommand
{
    public static CliCommandDefinition Define()
    {
        var run = RunArguments.Run();
        var command = new Command("resume", "Print the command that resumes RUN from its experiment's project (resuming needs the experiment's code).") { run };
        return new CliCommandDefinition(command, async context =>
        {
            var record = await RunArguments.ReadRecordAsync(context, run).ConfigureAwait(false);
            if (record.Status == PipelineRunStatus.Succeeded)
            {
                throw CliException.Conflict($"run '{record.RunId}' Succeeded: there is nothing to resume");
            }

            var storage = context.StorageLocation.Text;
            var command = $"dotnet run -- resume {record.RunId}";
            var api = $"await runner.ResumeAsync({record.Pipeline}.Graph, \"{record.RunId}\")";
            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(new { record.RunId, record.Pipeline, record.Status, record.Attempt, command, api, storage }).ConfigureAwait(false);
                return CliExitCodes.Success;
            }

            await context.Console.WriteLineAsync($"run {record.RunId} ({record.Pipeline}, {record.Status}, attempt {record.Attempt}) resumes in the experiment's project, with its storage ({storage}):").ConfigureAwait(false);
            await context.Console.WriteLineAsync($"  {command}").ConfigureAwait(false);
            await context.Console.WriteLineAsync($"(projects made with 'dotnet new stagecraft' accept 'resume RUN'; in your own Program.cs call {api})").ConfigureAwait(false);
            return CliExitCodes.Success;
        });
    }
}
