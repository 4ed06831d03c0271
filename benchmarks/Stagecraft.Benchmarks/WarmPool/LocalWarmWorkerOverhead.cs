using System.Diagnostics;
using System.Globalization;
using Stagecraft.Local.Runs;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.TestChild;
using Stagecraft.Testing;
using Stagecraft.WarmPool;

namespace Stagecraft.Benchmarks.WarmPool;

/// <summary>
/// A chain of no-op stages on <see cref="LocalRunBackend"/>, cold (a fresh worker process per stage) and then with warm
/// workers, both in one run: the per-stage overhead of each and their ratio. The stages do nothing, so the wall time
/// per stage is the backend's overhead (process start-up and JIT cold; claim, job document and ACK warm).
/// </summary>
/// <remarks><c>dotnet run -c Release --project benchmarks/Stagecraft.Benchmarks -- local-warm-workers [STAGES]</c> (default 50).</remarks>
internal static class LocalWarmWorkerOverhead
{
    /// <summary>Set for the worker processes by <c>--profile</c>: the file their activities are appended to.</summary>
    public const string TraceFileVariable = "STAGECRAFT_BENCH_TRACE_FILE";

    public static async Task<int> RunAsync(string[] args)
    {
        var stages = args.Length > 0 && args[0] != "--profile" ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50;
        var profile = args.Contains("--profile");
        Console.WriteLine($"# {stages} sequential no-op stages on LocalRunBackend; load: {File.ReadAllText("/proc/loadavg").Trim()}");
        var cold = await RunPipelineAsync(stages, warm: false);
        var warm = profile ? await ProfileAsync(stages) : await RunPipelineAsync(stages, warm: true);
        Console.WriteLine($"cold workers: {cold.TotalSeconds:F1} s ({cold.TotalMilliseconds / stages:F0} ms/stage)");
        Console.WriteLine($"warm workers: {warm.TotalSeconds:F1} s ({warm.TotalMilliseconds / stages:F0} ms/stage)");
        Console.WriteLine($"per-stage overhead warm/cold: {warm / cold:F3}");
        return 0;
    }

    /// <summary>
    /// The warm run with every activity of this process (the coordinator) and of the worker (through
    /// <see cref="TraceFileVariable"/>) summed by name: where a warm dispatch spends its time.
    /// </summary>
    private static async Task<TimeSpan> ProfileAsync(int stages)
    {
        var traceFile = Path.Combine(Path.GetTempPath(), $"warm-profile-{Environment.ProcessId}.txt");
        File.Delete(traceFile);
        Environment.SetEnvironmentVariable(TraceFileVariable, traceFile);
        var coordinator = new System.Collections.Concurrent.ConcurrentQueue<(string Name, double Ms)>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Stagecraft", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a => coordinator.Enqueue((a.OperationName, a.Duration.TotalMilliseconds)),
        };
        ActivitySource.AddActivityListener(listener);
        var elapsed = await RunPipelineAsync(stages, warm: true);
        Environment.SetEnvironmentVariable(TraceFileVariable, null);
        Print("coordinator", coordinator, stages);
        var worker = File.Exists(traceFile)
            ? File.ReadAllLines(traceFile).Select(l => l.Split('\t')).Select(p => (p[0], double.Parse(p[1], CultureInfo.InvariantCulture)))
            : [];
        Print("worker", worker, stages);
        return elapsed;

        static void Print(string side, IEnumerable<(string Name, double Ms)> activities, int stages)
        {
            foreach (var group in activities.GroupBy(a => a.Name).OrderByDescending(g => g.Sum(a => a.Ms)))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{side,-12} {group.Key,-36} n={group.Count(),5} total={group.Sum(a => a.Ms),8:F0} ms  per stage={group.Sum(a => a.Ms) / stages,7:F2} ms  mean={group.Average(a => a.Ms),7:F2} ms"));
            }
        }
    }

    private static async Task<TimeSpan> RunPipelineAsync(int stages, bool warm)
    {
        using var temp = new TempDirectory("bench-local-warm");
        var storageRoot = temp.Combine("store");
        var storage = new LocalObjectStorage(storageRoot);
        await using var backend = new LocalRunBackend(storage, new LocalRunBackendOptions
        {
            StateDirectory = temp.Combine("backend"),
            StatusPollInterval = TimeSpan.FromMilliseconds(20),
            LogShipInterval = TimeSpan.FromMilliseconds(100),
            WarmPool = warm
                ? new WarmPoolOptions
                {
                    Profiles = new Dictionary<string, WarmPoolProfileOptions>(StringComparer.Ordinal) { ["local"] = new() { IdleTimeout = TimeSpan.FromSeconds(5), MaxInstances = 1 } },
                    AckPollInterval = TimeSpan.FromMilliseconds(5),
                }
                : null,
            WarmPoolPollInterval = TimeSpan.FromMilliseconds(16),
        });
        var runner = new PipelineRunner(new PipelineRunnerOptions
        {
            Storage = storage,
            WorkDirectory = temp.Combine("work"),
            Backend = backend,
            WorkerCommand = new PipelineWorkerCommand("dotnet", [TestChildProcess.ChildDllPath, "pipeline-noop-worker", storageRoot, temp.Combine("worker"), stages.ToString(CultureInfo.InvariantCulture)]),
            MaxParallelism = 1,
        });
        var clock = Stopwatch.StartNew();
        var result = await runner.RunAsync(PipelineNoOpChainCommands.Chain(stages), new Dictionary<string, object?> { ["seed"] = 7 });
        clock.Stop();
        if (!result.Succeeded || result.GetOutput<int>(result.Stages.Keys.Max(StringComparer.Ordinal)!) != 7)
        {
            throw new InvalidOperationException("The no-op chain did not pass its input through.");
        }

        return clock.Elapsed;
    }
}
