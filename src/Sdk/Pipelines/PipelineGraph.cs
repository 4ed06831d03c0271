using System.Collections.Immutable;

namespace Stagecraft.Pipelines;

/// <summary>
/// A typed, acyclic pipeline: what the generator emits as <c>YourPipeline.Graph</c>. Stages are in a
/// topological order (every stage after all its upstream stages).
/// </summary>
public sealed class PipelineGraph
{
    private readonly Dictionary<string, StageDescriptor> _byName;

    public PipelineGraph(string name, ImmutableArray<StageDescriptor> stagesInTopologicalOrder, ImmutableArray<PipelineInputDescriptor> inputs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Stages = stagesInTopologicalOrder.IsDefault ? [] : stagesInTopologicalOrder;
        Inputs = inputs.IsDefault ? [] : inputs;
        _byName = new Dictionary<string, StageDescriptor>(StringComparer.Ordinal);
        foreach (var stage in Stages)
        {
            if (!_byName.TryAdd(stage.Name, stage))
            {
                throw new ArgumentException($"Pipeline '{name}' has two stages named '{stage.Name}'.", nameof(stagesInTopologicalOrder));
            }

            foreach (var up in stage.Upstream)
            {
                // Hand-built graphs get the same guarantee the generator gives at compile time.
                if (!_byName.ContainsKey(up))
                {
                    throw new ArgumentException($"Stage '{stage.Name}' of pipeline '{name}' reads from '{up}', which is not an earlier stage (unknown stage, or not in topological order).", nameof(stagesInTopologicalOrder));
                }
            }
        }

        Edges = [.. Stages.SelectMany(s => s.Parameters
            .Where(p => p.Kind == StageParameterKind.Upstream)
            .Select(p => new PipelineEdge(p.Source!, s.Name, p.Name)))];
    }

    public string Name { get; }

    /// <summary>All stages, in topological order.</summary>
    public ImmutableArray<StageDescriptor> Stages { get; }

    public ImmutableArray<PipelineInputDescriptor> Inputs { get; }

    public ImmutableArray<PipelineEdge> Edges { get; }

    public StageDescriptor this[string stageName] =>
        _byName.TryGetValue(stageName, out var s) ? s : throw new KeyNotFoundException($"Pipeline '{Name}' has no stage '{stageName}'.");

    public bool TryGetStage(string stageName, out StageDescriptor? stage) => _byName.TryGetValue(stageName, out stage);
}
