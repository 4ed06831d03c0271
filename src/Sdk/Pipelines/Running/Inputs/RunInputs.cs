using System.Collections.Immutable;
using System.Text.Json;
using Stagecraft.Runs;
using Stagecraft.Signals;

namespace Stagecraft.Pipelines;

/// <summary>
/// The pipeline inputs of one run: validated and stored when the run starts (so it can be resumed), or loaded back
/// from the stored copies when it is resumed; stages read their values and records from here.
/// </summary>
internal sealed class RunInputs(PipelineRunner runner, PipelineGraph graph, string runId)
{
    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PipelineInputRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _json = new(StringComparer.Ordinal);

    /// <summary>The stored inputs, in the pipeline's declaration order (only those stored or loaded so far).</summary>
    public ImmutableArray<PipelineInputRecord> Records => [.. graph.Inputs.Where(i => _records.ContainsKey(i.Name)).Select(i => _records[i.Name])];

    /// <summary>
    /// Validates the caller's inputs and serialises the JSON ones (checking that they round-trip), writing nothing:
    /// bad input is refused before the run claims its id.
    /// </summary>
    /// <exception cref="ArgumentException">An input is missing, unknown or of the wrong type.</exception>
    /// <exception cref="PipelineValueRoundTripException">An input would not come back from storage as it is.</exception>
    public void Prepare(IReadOnlyDictionary<string, object?> inputs)
    {
        Validate(inputs);
        foreach (var input in graph.Inputs)
        {
            var value = inputs[input.Name];
            if (value is not Signal)
            {
                _json[input.Name] = runner.Json.Serialize(value, input.Type, $"pipeline input '{input.Name}'");
            }

            _values[input.Name] = value;
        }
    }

    /// <summary>Checks that <paramref name="inputs"/> supplies every declared input with a value of its type, and nothing else.</summary>
    /// <exception cref="ArgumentException">An input is missing, unknown or of the wrong type.</exception>
    private void Validate(IReadOnlyDictionary<string, object?> inputs)
    {
        var problems = new List<string>();
        foreach (var input in graph.Inputs)
        {
            if (!inputs.TryGetValue(input.Name, out var value))
            {
                problems.Add($"input '{input.Name}' ({input.Type.Name}) is missing");
            }
            else if (value is null
                ? input.Type.IsValueType && Nullable.GetUnderlyingType(input.Type) is null
                : !input.Type.IsInstanceOfType(value))
            {
                problems.Add($"input '{input.Name}' must be a {input.Type.Name} but is {(value is null ? "null" : "a " + value.GetType().Name)}");
            }
        }

        foreach (var name in inputs.Keys)
        {
            if (!graph.Inputs.Any(i => i.Name == name))
            {
                problems.Add($"'{name}' is not an input of the pipeline (inputs: {(graph.Inputs.IsEmpty ? "none" : string.Join(", ", graph.Inputs.Select(i => i.Name)))})");
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Pipeline '{graph.Name}' cannot run: {string.Join("; ", problems)}.", nameof(inputs));
        }
    }

    public object? Value(string input) => _values[input];

    /// <exception cref="InvalidOperationException">The pipeline declares no such input.</exception>
    public PipelineInputRecord Record(string input) => _records.TryGetValue(input, out var record)
        ? record
        : throw new InvalidOperationException($"Pipeline '{graph.Name}' declares no input '{input}'.");

    /// <summary>Stores every prepared input under the run's inputs prefix (small JSON values are also kept for the record).</summary>
    public async Task StoreAsync(CancellationToken cancellationToken)
    {
        var paths = new RunPaths(runId);
        foreach (var input in graph.Inputs)
        {
            var value = _values[input.Name];
            var prefix = PipelinePaths.PipelineInputPrefix(paths, input.Name);
            StoredValue stored;
            JsonElement? json = null;
            if (!_json.TryGetValue(input.Name, out var bytes))
            {
                stored = await runner.Values.StoreAsync(value, input.Type, prefix, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                stored = await runner.Values.StoreJsonAsync(bytes, input.Type, prefix, cancellationToken).ConfigureAwait(false);
                if (bytes.Length <= PipelineRunner.MaxRecordedValueBytes)
                {
                    using var document = JsonDocument.Parse(bytes);
                    json = document.RootElement.Clone();
                }
            }

            _records[input.Name] = new PipelineInputRecord { Name = input.Name, Value = stored, Json = json };
        }
    }

    /// <summary>Loads the inputs a run stored, for resuming it.</summary>
    /// <exception cref="InvalidOperationException">The run stored no value for an input the pipeline now declares.</exception>
    public async Task LoadAsync(PipelineRunRecord prior, CancellationToken cancellationToken)
    {
        foreach (var input in graph.Inputs)
        {
            var record = prior.Inputs.FirstOrDefault(i => i.Name == input.Name)
                ?? throw new InvalidOperationException($"Run '{runId}' stored no value for input '{input.Name}' of pipeline '{graph.Name}' (the pipeline gained this input after the run); start a new run instead.");
            var directory = Path.Combine(runner.WorkDirectory, runId, "inputs", input.Name);
            StageExecutor.ResetDirectory(directory);
            _values[input.Name] = await runner.Values.LoadAsync(record.Value, input.Type, directory, cancellationToken).ConfigureAwait(false);
            _records[input.Name] = record;
        }
    }
}
