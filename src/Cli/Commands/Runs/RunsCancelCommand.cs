using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Pipelines;
using Stagecraft.Runs;

namespace Stagecraft.Cli.Commands.Runs;

/// <summary>
/// <c>stagecraft runs cancel RUN [--reason R]</c>: stores a cancel request for the run's current attempt; the process
/// running it notices within <see cref="PipelineRunCancellation.PollInterval"/> and cancels the run.
/// </summary>
internal static class RunsCancelCommand
{
    public static CliCommandDefinition Define()
    {
        var run = RunArguments.Run();
        var reason = new Option<string>("--reason") { Description = "Why (kept with the request).", DefaultValueFactory = _ => "cancelled from the command line" };
        var command = new Command("cancel", "Ask the process running RUN to cancel it (the run must be Running).") { run, reason };
        return new CliCommandDefinition(command, async context =>
        {
            var record = await RunArguments.ReadRecordAsync(context, run).ConfigureAwait(false);
            if (record.Status != PipelineRunStatus.Running)
            {
                throw CliException.Conflict($"run '{record.RunId}' is {record.Status}, not Running: there is nothing to cancel");
            }

            var text = context.Value(reason);
            if (string.IsNullOrWhiteSpace(text))
            {
                throw CliException.Usage($"invalid --reason '{text}': it must not be empty");
            }

            PipelineCancelRequest request;
            try
            {
                request = await PipelineRunCancellation.RequestAsync(context.Storage, record.RunId, text, cancellationToken: context.CancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                throw CliException.Conflict(e.Message, e);
            }

            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(request).ConfigureAwait(false);
            }
            else
            {
                await context.Console.WriteLineAsync($"cancel requested for run {request.RunId} attempt {request.Attempt} ({PipelinePaths.CancelRequest(request.RunId, request.Attempt)}); the running process stops within about {PipelineRunCancellation.PollInterval.TotalSeconds:0}s").ConfigureAwait(false);
            }

            return CliExitCodes.Success;
        });
    }
}
