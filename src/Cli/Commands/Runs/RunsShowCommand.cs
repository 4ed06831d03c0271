using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Cli.Output;
using Stagecraft.Pipelines;
using Stagecraft.Runs;

namespace Stagecraft.Cli.Commands.Runs;

/// <summary><c>stagecraft runs show RUN</c>: the run record as a tree (stages, timings, fingerprints, backend runs, errors).</summary>
internal static class RunsShowCommand
{
    public static CliCommandDefinition Define()
    {
        var run = RunArguments.Run();
        var command = new Command("show", "The run's record: status, inputs and per stage the status, timings, fingerprint, output, backend run and error.") { run };
        return new CliCommandDefinition(command, async context =>
        {
            var record = await RunArguments.ReadRecordAsync(context, run).ConfigureAwait(false);
            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(record).ConfigureAwait(false);
            }
            else
            {
                await context.Console.WriteTreeAsync(Tree(record)).ConfigureAwait(false);
            }

            return CliExitCodes.Success;
        });
    }

    internal static CliTree Tree(PipelineRunRecord record)
    {
        var tree = new CliTree($"run {record.RunId}: pipeline {record.Pipeline}, {record.Status}, attempt {record.Attempt}");
        if (record.Reason is { } reason)
        {
            tree.Add($"reason: {reason}");
        }

        tree.Add($"started {CliFormat.Time(record.StartedAt)}, finished {CliFormat.Time(record.FinishedAt)}, duration {CliFormat.Duration(record.FinishedAt - record.StartedAt)}");
        tree.Add($"host {record.Host}, backend {record.Backend}, cache {(record.CacheEnabled ? "on" : "off")}, max parallelism {record.MaxParallelism}{(record.FailFast ? ", fail-fast" : string.Empty)}");
        if (record.Inputs.Length > 0)
        {
            var inputs = tree.Add("inputs");
            foreach (var input in record.Inputs)
            {
                inputs.Add($"{input.Name}: {input.Value.Type}, fingerprint {input.Value.Fingerprint}, {CliFormat.Number(input.Value.Size)} bytes at {input.Value.RootPath}");
            }
        }

        var stages = tree.Add("stages");
        foreach (var stage in record.Stages)
        {
            var node = stages.Add($"{stage.Stage}: {stage.Status}, {CliFormat.Duration(stage.Duration)}");
            if (stage.Reason is { } stageReason)
            {
                node.Add($"reason: {stageReason}");
            }

            node.Add($"code hash {stage.CodeHash}{(stage.Version is { } v ? $", version {v}" : string.Empty)}, attempt {stage.Attempt}");
            if (stage.Fingerprint is { } fingerprint)
            {
                node.Add($"fingerprint {fingerprint}");
            }

            if (stage.StartedAt is not null)
            {
                node.Add($"started {CliFormat.Time(stage.StartedAt)}, finished {CliFormat.Time(stage.FinishedAt)}, on {stage.Host ?? "-"} ({stage.Backend ?? "-"})");
            }

            foreach (var input in stage.Inputs)
            {
                node.Add($"input {input.Parameter} ({input.Kind}) from {input.Source}: fingerprint {input.Fingerprint}");
            }

            if (stage.Output is { } output)
            {
                node.Add($"output {output.Type}: fingerprint {output.Fingerprint}, {output.Objects.Length} object(s), {CliFormat.Number(output.Size)} bytes at {output.RootPath}");
            }

            if (stage.CachedFromRunId is { } cachedFrom)
            {
                node.Add($"cached from run {cachedFrom}");
            }

            if (stage.BackendRunId is { } backendRun)
            {
                node.Add($"backend run {backendRun}, exit code {(stage.ExitCode is { } code ? CliFormat.Number(code) : "-")}");
            }

            if (stage.Error is { } error)
            {
                node.AddLines($"error ({stage.ErrorType ?? "unknown type"})", error);
            }

            // Backend attempts: a preempted or lost VM shows here with the run that replaced it, each with the worker's error.
            foreach (var attempt in stage.Attempts)
            {
                var interruption = attempt.Interruption == RunInterruption.None ? string.Empty : $", {attempt.Interruption}";
                var exit = attempt.ExitCode is { } code ? $", exit code {CliFormat.Number(code)}" : string.Empty;
                node.Add($"try {attempt.Number} on {attempt.Backend}{(attempt.Profile is { } profile ? $" ({profile})" : string.Empty)}: backend run {attempt.BackendRunId}, {attempt.State?.ToString() ?? "running"}{interruption}{exit}{(attempt.Retried ? ", retried" : string.Empty)}{(attempt.Reason is { } attemptReason ? $": {attemptReason}" : string.Empty)}");
                if (attempt.Error is { } attemptError && attemptError != stage.Error)
                {
                    node.AddLines($"try {attempt.Number} error ({attempt.ErrorType ?? "unknown type"})", attemptError);
                }
            }
        }

        return tree;
    }
}
