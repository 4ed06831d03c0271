using System.Diagnostics;
using System.Globalization;

namespace Stagecraft.Benchmarks.Generators;

/// <summary>
/// Repeats one case of <see cref="PipelineGeneratorBenchmarks"/> in a loop and prints each run's wall and thread CPU
/// time, so a profiler can attach to a process that does nothing else (benchmarks/README.md).
/// </summary>
internal static class GeneratorProfile
{
    /// <summary><c>generator-profile full|incremental [RUNS]</c>.</summary>
    public static int Run(string[] args)
    {
        var incremental = args is [] or ["incremental", ..];
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var benchmarks = new PipelineGeneratorBenchmarks();
        benchmarks.Setup();
        var cpu = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            if (incremental)
            {
                benchmarks.SetupIncremental();
            }
            else
            {
                benchmarks.SetupFull();
            }

            var start = ThreadCpuClock.Milliseconds();
            var wall = Stopwatch.StartNew();
            _ = incremental ? benchmarks.IncrementalAfterUnrelatedEdit() : benchmarks.Full();
            cpu.Add(ThreadCpuClock.Milliseconds() - start);
            if (i % 20 == 0 || i == runs - 1)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {i}: wall {wall.Elapsed.TotalMilliseconds:F1} ms, thread CPU {cpu[^1]:F1} ms"));
            }
        }

        cpu.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"thread CPU over {runs} runs: min {cpu[0]:F1} ms, median {cpu[cpu.Count / 2]:F1} ms"));
        return 0;
    }
}
