extern alias core;

using System.Diagnostics;
using System.Globalization;
using Stagecraft.IO;
using Stagecraft.Local.Storage;
using Stagecraft.References;

namespace Stagecraft.Benchmarks.References;

/// <summary>
/// A profiling aid for the <see cref="MergeVersusPython"/> data set: repeats one phase on its own, so a sampling profiler
/// (<c>perf record</c>) or <c>strace -c</c> attached to the process sees that phase and little else, and prints the wall
/// time and the bytes allocated per round.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project benchmarks/Stagecraft.Benchmarks -- merge-profile DIR PHASE [ROUNDS [PARALLELISM]]</c>, where PHASE
/// is <c>merge</c> (<see cref="PostRunMerger"/>, PARALLELISM-way, default 8), <c>get-copy</c> / <c>kernel-copy</c> (8-way, as in the
/// benchmark), <c>get-copy-1</c> / <c>kernel-copy-1</c> / <c>get-1</c> / <c>stat-1</c> (one thread, for per-object costs), or
/// <c>crc-1</c> / <c>copy-1</c> (CRC32C / a memory copy of 32 KiB per object, the floor of the verification).
/// </remarks>
internal static class MergeProfile
{
    private static readonly byte[] Scratch = new byte[64 * 1024];

    public static async Task<int> RunAsync(string[] args)
    {
        var dir = Path.GetFullPath(args[0]);
        var phase = args[1];
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
        Directory.CreateDirectory(dir);
        try
        {
            MergeVersusPython.Python("/work/shared/benchmarks/merge_baseline.py", "gen", dir);
            Directory.Move(Path.Combine(dir, "local"), Path.Combine(dir, "local.pristine"));
            var storage = new LocalObjectStorage(Path.Combine(dir, "store"), new LocalObjectStorageOptions { Durability = Durability.None });
            var picks = await MergeVersusPython.LoadAsync(Path.Combine(dir, "run"), storage);
            var parallelism = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : MergeVersusPython.Parallelism;
            var merger = new PostRunMerger(storage, new PostRunMergerOptions { Durability = Durability.None, MaxParallelism = parallelism, PersistReport = false });
            Console.WriteLine($"# {phase}, {picks.Count} picks, load {File.ReadAllText("/proc/loadavg").Trim()}");
            var (times, cpus) = (new List<double>(), new List<double>());
            for (var round = 0; round < rounds; round++)
            {
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var (jitted, jitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
                var target = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"t{round}"));
                var ms = phase switch
                {
                    "merge" => await MergeVersusPython.MergeOnceAsync(merger, dir, Path.GetFileName(target)),
                    "get-copy" => await MergeVersusPython.CopyWithStorageAsync(storage, picks, target),
                    "kernel-copy" => MergeVersusPython.CopyWithKernel(picks, target),
                    "get-copy-1" => await SerialAsync(picks, target, async (pick, path) =>
                    {
                        var read = await storage.GetAsync(pick.ObjectKey);
                        await using (read)
                        {
                            var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1);
                            await using (file)
                            {
                                await read.Content.CopyToAsync(file);
                            }
                        }
                    }),
                    "kernel-copy-1" => await SerialAsync(picks, target, (pick, path) =>
                    {
                        using var source = File.OpenHandle(pick.SourceFile, FileMode.Open, FileAccess.Read, FileShare.Read);
                        using var destination = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
                        var length = RandomAccess.GetLength(source);
                        for (long offset = 0; offset < length;)
                        {
                            offset += KernelCopy.CopyFileRange(source, offset, destination, offset, length - offset);
                        }

                        return Task.CompletedTask;
                    }),
                    "get-1" => await SerialAsync(picks, null, async (pick, _) => await (await storage.GetAsync(pick.ObjectKey)).DisposeAsync()),
                    "stat-1" => await SerialAsync(picks, null, async (pick, _) => await storage.StatAsync(pick.ObjectKey)),
                    "crc-1" => await SerialAsync(picks, null, (pick, _) =>
                    {
                        core::Stagecraft.Storage.Crc32C.Compute(Scratch.AsSpan(0, 32 * 1024));
                        return Task.CompletedTask;
                    }),
                    "copy-1" => await SerialAsync(picks, null, (pick, _) =>
                    {
                        Scratch.AsSpan(0, 32 * 1024).CopyTo(Scratch.AsSpan(32 * 1024));
                        return Task.CompletedTask;
                    }),
                    _ => throw new ArgumentException($"Unknown phase '{phase}'."),
                };
                var cpuMs = ProcessCpu.LastMilliseconds;
                allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
                (jitted, jitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount() - jitted, System.Runtime.JitInfo.GetCompilationTime() - jitTime);
                times.Add(ms);
                cpus.Add(cpuMs);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: {ms:F1} ms, {ms * 1000 / picks.Count:F2} µs/object, CPU {cpuMs:F1} ms, {allocated / picks.Count} B allocated/object, JIT {jitted} methods in {jitTime.TotalMilliseconds:F1} ms"));
            }

            times.Sort();
            cpus.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"min {times[0]:F1} ms, median {times[times.Count / 2]:F1} ms; CPU min {cpus[0]:F1} ms, median {cpus[cpus.Count / 2]:F1} ms"));
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<double> SerialAsync(List<(string ObjectKey, string SourceFile, string LocalPath)> picks, string? target, Func<(string ObjectKey, string SourceFile, string LocalPath), string, Task> action)
    {
        if (target is not null)
        {
            foreach (var directory in picks.Select(p => Path.GetDirectoryName(Path.Combine(target, p.LocalPath))!).Distinct())
            {
                Directory.CreateDirectory(directory);
            }
        }

        var cpu = ProcessCpu.Start();
        var clock = Stopwatch.StartNew();
        foreach (var pick in picks)
        {
            await action(pick, target is null ? string.Empty : Path.Combine(target, pick.LocalPath));
        }

        var elapsed = clock.Elapsed.TotalMilliseconds;
        cpu.Stop();
        if (target is not null)
        {
            Directory.Delete(target, recursive: true);
        }

        return elapsed;
    }
}
