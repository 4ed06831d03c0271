using Stagecraft.Pipelines;
using Stagecraft.Registry;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Cli.Hosting;

/// <summary>
/// The one mapping from exceptions to exit codes. Only errors the CLI raised about the command line are usage
/// errors; library exceptions are classified by their type, and anything unknown is <see cref="CliExitCodes.Failure"/>
/// with its type and stack trace, so a bug never looks like a typo.
/// </summary>
internal static class CliErrors
{
    public static int ExitCodeOf(Exception exception) => exception switch
    {
        CliException cli => cli.ExitCode,
        ObjectNotFoundException or PipelineRunNotFoundException or ModelNotFoundException or AliasNotSetException or RunNotFoundException => CliExitCodes.NotFound,
        PreconditionFailedException or AliasConflictException or PipelineRunConflictException or PruneInProgressException => CliExitCodes.Conflict,
        _ => CliExitCodes.Failure,
    };

    /// <summary>Whether the error is expected (one line is enough) rather than a bug or an environment failure worth a stack trace.</summary>
    public static bool IsExpected(Exception exception) => exception is CliException || ExitCodeOf(exception) != CliExitCodes.Failure;

    public static async Task<int> ReportAsync(Exception exception, TextWriter error)
    {
        var code = ExitCodeOf(exception);
        if (IsExpected(exception))
        {
            await error.WriteLineAsync($"error: {exception.Message}").ConfigureAwait(false);
        }
        else if (exception is OperationCanceledException)
        {
            await error.WriteLineAsync("error: cancelled").ConfigureAwait(false);
        }
        else
        {
            await error.WriteLineAsync($"error: {exception.GetType().FullName}: {exception.Message}").ConfigureAwait(false);
            await error.WriteLineAsync(exception.ToString()).ConfigureAwait(false);
        }

        return code;
    }
}
