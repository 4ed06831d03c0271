using System.Collections.Concurrent;
using Stagecraft.Pipelines;

namespace Stagecraft.Sdk.Tests.Pipelines.Support;

/// <summary>Builds pipeline graphs by hand, the way the generator would, with lambdas as invokers.</summary>
internal static class Graphs
{
    public static PipelineGraph Pipeline(string name, params StageDescriptor[] stages) =>
        new(
            name,
            [.. stages],
            [.. stages.SelectMany(s => s.Parameters)
                .Where(p => p.Kind == StageParameterKind.PipelineInput)
                .DistinctBy(p => p.Source)
                .Select(p => new PipelineInputDescriptor(p.Source!, p.Type))]);

    public static StageDescriptor Stage<TOut>(string name, Func<object?[], TOut> body, params StageParameterDescriptor[] parameters) =>
        Stage(name, body, code: "code-" + name, version: null, parameters);

    public static StageDescriptor Stage<TOut>(string name, Func<object?[], TOut> body, string code, string? version, params StageParameterDescriptor[] parameters) =>
        new(name, version, code, typeof(TOut), [.. parameters], args => new ValueTask<object?>(body(args)));

    public static StageDescriptor AsyncStage<TOut>(string name, Func<object?[], Task<TOut>> body, params StageParameterDescriptor[] parameters) =>
        new(name, null, "code-" + name, typeof(TOut), [.. parameters], async args => await body(args));

    public static StageParameterDescriptor From<T>(string stage) => new(char.ToLowerInvariant(stage[0]) + stage[1..], typeof(T), StageParameterKind.Upstream, stage);

    public static StageParameterDescriptor Input<T>(string name) => new(name, typeof(T), StageParameterKind.PipelineInput, name);

    public static StageParameterDescriptor Context() => new("context", typeof(StageContext), StageParameterKind.Context, null);

    public static StageParameterDescriptor Token() => new("cancellationToken", typeof(CancellationToken), StageParameterKind.CancellationToken, null);

    public static IReadOnlyDictionary<string, object?> NoInputs { get; } = new Dictionary<string, object?>();
}

/// <summary>Counts stage invocations by stage name (thread-safe).</summary>
internal sealed class InvocationCounter
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public void Hit(string stage) => _counts.AddOrUpdate(stage, 1, (_, n) => n + 1);

    public int this[string stage] => _counts.TryGetValue(stage, out var n) ? n : 0;

    public int Total => _counts.Values.Sum();

    public void Reset() => _counts.Clear();
}

/// <summary>A synchronous progress sink that records events in delivery order.</summary>
internal sealed class RecordingProgress : IProgress<PipelineEvent>
{
    private readonly List<PipelineEvent> _events = [];

    public IReadOnlyList<PipelineEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public void Report(PipelineEvent value)
    {
        lock (_events)
        {
            _events.Add(value);
        }
    }
}
