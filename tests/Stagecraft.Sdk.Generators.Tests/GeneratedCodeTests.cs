using Microsoft.CodeAnalysis;
using Stagecraft.Pipelines;
using Stagecraft.Sdk.Generators.Tests.Support;

namespace Stagecraft.Sdk.Generators.Tests;

/// <summary>The generated code compiles against the real Stagecraft.Sdk and, loaded, describes the right graph.</summary>
public sealed class GeneratedCodeTests
{
    [Theory]
    [InlineData(nameof(SamplePipelines.Forecast))]
    [InlineData(nameof(SamplePipelines.Variety))]
    [InlineData(nameof(SamplePipelines.GlobalNamespace))]
    public void Generated_code_compiles_without_warnings(string sample)
    {
        var outcome = GeneratorHarness.Run(Source(sample));

        Assert.Null(outcome.GeneratorException);
        Assert.Empty(outcome.Diagnostics);
        Assert.Single(outcome.Sources);
        Assert.Empty(outcome.CompilerDiagnostics);
    }

    [Fact]
    public void Generated_types_carry_the_generator_assemblys_real_version()
    {
        var outcome = GeneratorHarness.Run(SamplePipelines.Forecast);
        using var loaded = LoadedAssembly.Emit(outcome.Output);
        var generator = typeof(Stagecraft.Generators.Pipelines.PipelineGenerator).Assembly.GetName();

        var attribute = loaded.Assembly.GetType("Demo.Forecast+StageNames")!.GetCustomAttributes(typeof(System.CodeDom.Compiler.GeneratedCodeAttribute), false)
            .Cast<System.CodeDom.Compiler.GeneratedCodeAttribute>()
            .Single();

        Assert.Equal((generator.Name, generator.Version!.ToString()), (attribute.Tool, attribute.Version));
    }

    [Fact]
    public async Task Forecast_graph_is_ordered_bound_and_invokable()
    {
        var outcome = GeneratorHarness.Run(SamplePipelines.Forecast);
        using var loaded = LoadedAssembly.Emit(outcome.Output);
        var graph = loaded.GetStaticProperty<PipelineGraph>("Demo.Forecast", "Graph");

        Assert.Equal("Forecast", graph.Name);
        Assert.Equal(["Preprocess", "Train", "Evaluate"], graph.Stages.Select(s => s.Name));
        Assert.Equal(["raw", "options"], graph.Inputs.Select(i => i.Name));
        Assert.Equal([loaded.Assembly.GetType("Demo.Dataset"), loaded.Assembly.GetType("Demo.PreprocessOptions")], graph.Inputs.Select(i => i.Type));

        var preprocess = graph["Preprocess"];
        Assert.Null(preprocess.Version);
        Assert.Matches("^[0-9a-f]{64}$", preprocess.CodeHash);
        Assert.Equal(loaded.Assembly.GetType("Demo.Features"), preprocess.OutputType);
        Assert.Equal(
            [new StageParameterDescriptor("raw", loaded.Assembly.GetType("Demo.Dataset")!, StageParameterKind.PipelineInput, "raw"),
             new StageParameterDescriptor("options", loaded.Assembly.GetType("Demo.PreprocessOptions")!, StageParameterKind.PipelineInput, "options")],
            preprocess.Parameters.ToArray());

        var train = graph["Train"];
        Assert.Equal(loaded.Assembly.GetType("Demo.Model"), train.OutputType);
        Assert.Equal([StageParameterKind.Upstream, StageParameterKind.Context], train.Parameters.Select(p => p.Kind));
        Assert.Equal("Preprocess", train.Parameters[0].Source);
        Assert.Null(train.Parameters[1].Source);

        var evaluate = graph["Evaluate"];
        Assert.Equal("2", evaluate.Version);
        Assert.Equal(["Train", "Preprocess"], evaluate.Upstream);
        Assert.Equal(
            [new PipelineEdge("Preprocess", "Train", "features"), new PipelineEdge("Train", "Evaluate", "model"), new PipelineEdge("Preprocess", "Evaluate", "features")],
            graph.Edges.ToArray());

        // The invokers call the real methods: a synchronous stage, then a Task stage.
        var dataset = loaded.CreateInstance("Demo.Dataset", new[] { 1.0, 2.0, 3.0 });
        var options = loaded.CreateInstance("Demo.PreprocessOptions", 2.0);
        var features = await preprocess.Invoker([dataset, options]);
        Assert.Equal(new[] { 2.0, 4.0, 6.0 }, (double[])features!.GetType().GetProperty("Scaled")!.GetValue(features)!);

        var model = await train.Invoker([features, null]);
        Assert.Equal(4.0, (double)model!.GetType().GetProperty("Mean")!.GetValue(model)!);
    }

    [Fact]
    public async Task Variety_pipeline_binds_inputs_context_token_and_explicit_names()
    {
        var outcome = GeneratorHarness.Run(SamplePipelines.Variety);
        using var loaded = LoadedAssembly.Emit(outcome.Output);
        var graph = loaded.GetStaticProperty<PipelineGraph>("Demo.Variety.Outer+TextStats", "Graph");

        Assert.Equal("text-stats", graph.Name);
        // Declared Count, Tokenize, Compare; Count reads Tokenize, so Tokenize moves first.
        Assert.Equal(["Tokenize", "Count", "Compare"], graph.Stages.Select(s => s.Name));
        Assert.Equal(["corpus", "minimumLength", "separator", "baseline"], graph.Inputs.Select(i => i.Name));
        Assert.Equal(typeof(int), graph.Inputs[1].Type);
        Assert.Equal(typeof(string), graph.Inputs[2].Type);

        var count = graph["Count"];
        Assert.Equal(
            [(StageParameterKind.Upstream, "Tokenize"), (StageParameterKind.PipelineInput, "minimumLength"), (StageParameterKind.CancellationToken, null)],
            count.Parameters.Select(p => (p.Kind, p.Source)));
        var compare = graph["Compare"];
        Assert.Equal(
            [(StageParameterKind.Upstream, "Count"), (StageParameterKind.PipelineInput, "baseline")],
            compare.Parameters.Select(p => (p.Kind, p.Source)));
        Assert.Equal(loaded.Assembly.GetType("Demo.Variety.Comparison"), compare.OutputType);

        // A ValueTask stage with a CancellationToken, through its invoker.
        var tokens = loaded.CreateInstance("Demo.Variety.Tokens", (object)new[] { "a", "bb", "ccc" });
        var vocabulary = await count.Invoker([tokens, 2, CancellationToken.None]);
        Assert.Equal(2, (int)vocabulary!.GetType().GetProperty("Size")!.GetValue(vocabulary)!);

        // A null for a nullable input is passed through.
        var corpus = loaded.CreateInstance("Demo.Variety.Corpus", (object)new[] { "x yy zzz" });
        var tokenized = await graph["Tokenize"].Invoker([corpus, 2, null]);
        Assert.Equal(["yy", "zzz"], (string[])tokenized!.GetType().GetProperty("Words")!.GetValue(tokenized)!);
    }

    [Fact]
    public async Task Invoker_reports_bad_arguments_and_stage_exceptions_through_the_task()
    {
        var outcome = GeneratorHarness.Run(SamplePipelines.Forecast);
        using var loaded = LoadedAssembly.Emit(outcome.Output);
        var graph = loaded.GetStaticProperty<PipelineGraph>("Demo.Forecast", "Graph");
        var preprocess = graph["Preprocess"].Invoker;

        var wrongCount = preprocess([null]);
        var countError = await Assert.ThrowsAsync<ArgumentException>(async () => await wrongCount);
        Assert.Contains("Stage 'Preprocess' of pipeline 'Forecast' takes 2 argument(s)", countError.Message, StringComparison.Ordinal);

        var wrongType = preprocess(["not a dataset", null]);
        var castError = await Assert.ThrowsAsync<InvalidCastException>(async () => await wrongType);
        Assert.Contains("parameter 'raw' as Demo.Dataset, but was given System.String", castError.Message, StringComparison.Ordinal);

        // The stage itself throws (null dataset dereferenced): the exception arrives through the task.
        var throwing = preprocess([null, loaded.CreateInstance("Demo.PreprocessOptions", 1.0)]);
        Assert.True(throwing.IsFaulted);
        await Assert.ThrowsAsync<NullReferenceException>(async () => await throwing);
    }

    [Fact]
    public async Task RunAsync_passes_the_graph_and_typed_inputs_to_the_runner_and_Outputs_reads_results()
    {
        var outcome = GeneratorHarness.Run(SamplePipelines.Forecast);
        using var loaded = LoadedAssembly.Emit(outcome.Output);
        var graph = loaded.GetStaticProperty<PipelineGraph>("Demo.Forecast", "Graph");
        var runner = new RecordingRunner();
        var dataset = loaded.CreateInstance("Demo.Dataset", new[] { 1.0 });
        var options = loaded.CreateInstance("Demo.PreprocessOptions", 3.0);
        using var cts = new CancellationTokenSource();

        var result = await (Task<PipelineRunResult>)loaded.InvokeStatic("Demo.Forecast", "RunAsync", runner, dataset, options, cts.Token)!;

        Assert.Same(graph, runner.Graph);
        Assert.Equal(cts.Token, runner.Token);
        Assert.Equal(new Dictionary<string, object?> { ["raw"] = dataset, ["options"] = options }, runner.Inputs);

        var outputs = loaded.Assembly.GetType("Demo.Forecast+Outputs", throwOnError: true)!;
        var model = outputs.GetMethod("Train")!.Invoke(null, [result]);
        Assert.Same(runner.TrainOutput, model);
        Assert.Equal("Train", loaded.Assembly.GetType("Demo.Forecast+StageNames")!.GetField("Train")!.GetValue(null));
    }

    private static string Source(string sample) =>
        (string)typeof(SamplePipelines).GetField(sample)!.GetValue(null)!;

    /// <summary>Records what the generated RunAsync hands over and answers with a canned successful run.</summary>
    private sealed class RecordingRunner : IPipelineRunner
    {
        public PipelineGraph? Graph { get; private set; }

        public IReadOnlyDictionary<string, object?>? Inputs { get; private set; }

        public CancellationToken Token { get; private set; }

        public object? TrainOutput { get; private set; }

        public Task<PipelineRunResult> RunAsync(PipelineGraph graph, IReadOnlyDictionary<string, object?> inputs, CancellationToken cancellationToken = default)
        {
            Graph = graph;
            Inputs = inputs;
            Token = cancellationToken;
            TrainOutput = Activator.CreateInstance(graph["Train"].OutputType, 1.5);
            var stages = new Dictionary<string, StageRunResult>
            {
                ["Train"] = new() { Stage = "Train", Status = StageStatus.Succeeded, Output = TrainOutput },
            };
            return Task.FromResult(new PipelineRunResult("run-1", graph.Name, stages));
        }
    }
}
