using System.Collections.Immutable;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// After a prune overlapped a run (<see cref="PruneEpochCheck"/>): every content object the run's final record
/// references is checked, and one that is gone is stored again from the value the run still holds (its inputs and
/// its stages' outputs), so the record's references resolve.
/// </summary>
internal static class RunReferenceRepair
{
    public static async Task RepairAsync(PipelineRunner runner, PipelineGraph graph, RunInputs inputs, PipelineRunResult result, CancellationToken cancellationToken)
    {
        var stored = await runner.Records.TryReadAsync(result.RunId, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return;
        }

        var record = stored.Record;
        var repaired = 0;
        var newInputs = ImmutableArray.CreateBuilder<PipelineInputRecord>(record.Inputs.Length);
        foreach (var input in record.Inputs)
        {
            var declared = graph.Inputs.FirstOrDefault(i => i.Name == input.Name);
            if (declared is null || await runner.Values.IsIntactAsync(input.Value, cancellationToken).ConfigureAwait(false))
            {
                newInputs.Add(input);
                continue;
            }

            newInputs.Add(input with { Value = await runner.Values.StoreAsync(inputs.Value(input.Name), declared.Type, cancellationToken).ConfigureAwait(false) });
            repaired++;
        }

        var newStages = ImmutableArray.CreateBuilder<StageRunRecord>(record.Stages.Length);
        foreach (var stage in record.Stages)
        {
            if (stage.Output is not { } output
                || !result.Stages.TryGetValue(stage.Stage, out var stageResult)
                || stageResult.Status is not (StageStatus.Succeeded or StageStatus.Cached)
                || await runner.Values.IsIntactAsync(output, cancellationToken).ConfigureAwait(false))
            {
                newStages.Add(stage);
                continue;
            }

            newStages.Add(stage with { Output = await runner.Values.StoreAsync(stageResult.Output, graph[stage.Stage].OutputType, cancellationToken).ConfigureAwait(false) });
            repaired++;
        }

        if (repaired == 0)
        {
            return;
        }

        try
        {
            await runner.Records.WriteAsync(record with { Inputs = newInputs.MoveToImmutable(), Stages = newStages.MoveToImmutable() }, stored.Generation, cancellationToken).ConfigureAwait(false);
            PruneLog.ReferencesRestored(runner.Logger, result.RunId, repaired);
        }
        catch (PreconditionFailedException ex)
        {
            throw new PipelineRunConflictException(result.RunId, $"The record of pipeline run '{result.RunId}' was changed by another process while this run restored content a concurrent prune removed.", ex);
        }
    }
}
