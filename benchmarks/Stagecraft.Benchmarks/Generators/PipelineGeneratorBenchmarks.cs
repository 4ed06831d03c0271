using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Stagecraft.Generators.Pipelines;
using Stagecraft.Pipelines;

namespace Stagecraft.Benchmarks.Generators;

/// <summary>
/// The pipeline generator on 1,000 stages in 50 pipelines: a full run (fresh compilation, fresh driver: a clean
/// build) and an incremental run after an edit in an unrelated file (what the IDE does on a keystroke).
/// Targets: under 300 ms full, under 30 ms incremental.
/// </summary>
/// <remarks>
/// Besides BenchmarkDotNet's wall-clock statistics, each measured invocation's thread CPU time is recorded (see
/// <see cref="ThreadCpuClock"/>) and summarised in the log at the end ("Thread CPU ..."): on a loaded machine that is
/// the figure that reflects the generator's own cost.
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 20, invocationCount: 1)]
public class PipelineGeneratorBenchmarks
{
    private const int Pipelines = 50;
    private const int StagesPerPipeline = 20;

    private SyntaxTree[] _trees = [];
    private MetadataReference[] _references = [];
    private CSharpParseOptions _parseOptions = null!;
    private CSharpCompilation _baseline = null!;
    private GeneratorDriver _warmDriver = null!;
    private CSharpCompilation _edited = null!;
    private int _edit;
    private readonly Dictionary<string, List<double>> _cpu = new(StringComparer.Ordinal);
    private double _cpuStart;

    [GlobalSetup]
    public void Setup()
    {
        _parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        _trees = [.. SyntheticPipelines.Create(Pipelines, StagesPerPipeline, unrelatedFiles: 10)
            .Select(f => CSharpSyntaxTree.ParseText(f.Source, _parseOptions, f.Path))];
        _references = [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(typeof(PipelineGraph).Assembly.Location)
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && !Path.GetFileName(p).StartsWith("Microsoft.CodeAnalysis", StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(p => MetadataReference.CreateFromFile(p))];

        _baseline = NewCompilation();
        _warmDriver = NewDriver().RunGenerators(_baseline);
        Verify(_warmDriver, "baseline");
        Verify(_warmDriver.RunGenerators(EditUnrelated()), "incremental");
    }

    [IterationSetup(Target = nameof(Full))]
    public void SetupFull()
    {
        _baseline = NewCompilation();
        _cpuStart = ThreadCpuClock.Milliseconds();
    }

    [IterationCleanup(Target = nameof(Full))]
    public void CleanupFull() => Record(nameof(Full));

    /// <summary>A clean build: nothing cached, every pipeline parsed, bound, hashed and emitted.</summary>
    [Benchmark]
    public GeneratorDriver Full() => NewDriver().RunGenerators(_baseline);

    [IterationSetup(Target = nameof(IncrementalAfterUnrelatedEdit))]
    public void SetupIncremental()
    {
        _edited = EditUnrelated();
        _cpuStart = ThreadCpuClock.Milliseconds();
    }

    [IterationCleanup(Target = nameof(IncrementalAfterUnrelatedEdit))]
    public void CleanupIncremental() => Record(nameof(IncrementalAfterUnrelatedEdit));

    /// <summary>Prints the thread CPU time of the invocations (warm-up included, so the minimum and median matter).</summary>
    [GlobalCleanup]
    public void ReportThreadCpu()
    {
        foreach (var (benchmark, samples) in _cpu)
        {
            samples.Sort();
            Console.WriteLine(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"// Thread CPU {benchmark}: min {samples[0]:F1} ms, median {samples[samples.Count / 2]:F1} ms over {samples.Count} invocations ({(ThreadCpuClock.IsPerThread ? "per-thread" : "process-wide")})"));
        }

        _cpu.Clear();
    }

    /// <summary>A keystroke in a file without pipelines, on top of a driver that has seen the previous compilation.</summary>
    [Benchmark]
    public GeneratorDriver IncrementalAfterUnrelatedEdit() => _warmDriver.RunGenerators(_edited);

    private void Record(string benchmark)
    {
        var elapsed = ThreadCpuClock.Milliseconds() - _cpuStart;
        if (!_cpu.TryGetValue(benchmark, out var samples))
        {
            _cpu.Add(benchmark, samples = []);
        }

        samples.Add(elapsed);
    }

    private CSharpCompilation NewCompilation() =>
        CSharpCompilation.Create(
            "Synthetic",
            _trees,
            _references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    private GeneratorDriver NewDriver() =>
        CSharpGeneratorDriver.Create([new PipelineGenerator().AsSourceGenerator()], parseOptions: _parseOptions);

    /// <summary>A new compilation of the baseline with one unrelated file's body changed (a new edit each time).</summary>
    private CSharpCompilation EditUnrelated()
    {
        var old = _baseline.SyntaxTrees.Single(t => t.FilePath == SyntheticPipelines.UnrelatedFileName);
        var text = SourceText.From(SyntheticPipelines.Unrelated(0, ++_edit));
        return _baseline.ReplaceSyntaxTree(old, old.WithChangedText(text));
    }

    /// <summary>The benchmark must measure real work: every pipeline generated, no diagnostics, no failure.</summary>
    private static void Verify(GeneratorDriver driver, string what)
    {
        var result = driver.GetRunResult().Results.Single();
        if (result.Exception is not null || !result.Diagnostics.IsEmpty || result.GeneratedSources.Length != Pipelines)
        {
            throw new InvalidOperationException(
                $"The {what} run did not generate {Pipelines} pipelines cleanly: {result.GeneratedSources.Length} sources, exception {result.Exception?.Message ?? "none"}, diagnostics: {string.Join("; ", result.Diagnostics)}");
        }

        var stages = result.GeneratedSources.Sum(s => s.SourceText.ToString().Split("new global::Stagecraft.Pipelines.StageDescriptor(").Length - 1);
        if (stages != Pipelines * StagesPerPipeline)
        {
            throw new InvalidOperationException($"The {what} run generated {stages} stages, not {Pipelines * StagesPerPipeline}.");
        }
    }
}
