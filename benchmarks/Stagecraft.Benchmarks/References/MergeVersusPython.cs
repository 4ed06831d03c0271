using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text.Json;
using Stagecraft.IO;
using Stagecraft.Local.Storage;
using Stagecraft.References;
using Stagecraft.Runs;

namespace Stagecraft.Benchmarks.References;

/// <summary>
/// The post-run merge against the algorithm it replaces, on the same generated data in the same run:
/// <c>shared/benchmarks/merge_baseline.py</c> (plain files, Python) and <see cref="PostRunMerger"/> (the same bytes loaded
/// into a <see cref="LocalObjectStorage"/>), alternating, each from a fresh hard-linked copy of the same local cache; and
/// <see cref="LocalObjectStorage"/> Get + copy of the 2,510 picked objects against <c>copy_file_range</c> of the same bytes
/// from plain files. Prints every sample, the medians and the ratios.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project benchmarks/Stagecraft.Benchmarks -- merge-vs-python DIR [ROUNDS] [BASELINE_PY]</c>;
/// DIR on tmpfs (<c>/dev/shm/...</c>) or on disk. Both merges skip fsync (the Python algorithm has none).
/// </remarks>
internal static class MergeVersusPython
{
    internal const string RunId = "bench-py";
    internal const string Kind = "otf";
    internal const int Parallelism = 8;
    // Tiered compilation promotes a method after 30 calls: one called once per merge (the merge's own entry, the listing)
    // reaches optimised code only after 30 rounds, and a single quiet round before that proves nothing.
    private const int MinWarmups = 32;
    private const int MaxWarmups = 60;

    public static async Task<int> RunAsync(string[] args)
    {
        var dir = Path.GetFullPath(args.Length > 0 ? args[0] : Path.Combine("/dev/shm", $"stagecraft-merge-vs-python-{Environment.ProcessId}"));
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;
        var script = args.Length > 2 ? args[2] : "/work/shared/benchmarks/merge_baseline.py";
        Directory.CreateDirectory(dir);
        try
        {
            Console.WriteLine($"# data in {dir}; load: {File.ReadAllText("/proc/loadavg").Trim()}");
            Python(script, "gen", dir);
            Directory.Move(Path.Combine(dir, "local"), Path.Combine(dir, "local.pristine"));
            var storage = new LocalObjectStorage(Path.Combine(dir, "store"), new LocalObjectStorageOptions { Durability = Durability.None });
            var picks = await LoadAsync(Path.Combine(dir, "run"), storage);
            Console.WriteLine($"# {picks.Count} picks");

            var merger = new PostRunMerger(storage, new PostRunMergerOptions { Durability = Durability.None, MaxParallelism = Parallelism, PersistReport = false });
            // Steady state (the Python script, too, times its merge without interpreter start-up): tiered compilation
            // keeps recompiling on a background thread for tens of rounds on a loaded 2-core machine (instrumented, then
            // optimised code; 100-300 ms of JIT per round), which a measured round would pay in CPU and in a core taken
            // from the merge. Warm up past the promotion of once-per-round methods, then until a whole round compiles nothing. The cold first merge is printed for the record.
            for (var warmup = 0; ; warmup++)
            {
                var jitted = JitInfo.GetCompiledMethodCount();
                PythonMerge(script, dir); // also this process's code: starting it, reading its output
                var cold = await MergeOnceAsync(merger, dir, $"warmup{warmup}");
                var coldCpu = ProcessCpu.LastMilliseconds;
                await CopyWithStorageAsync(storage, picks, Path.Combine(dir, $"copy-warmup{warmup}"));
                CopyWithKernel(picks, Path.Combine(dir, $"copy-warmup-k{warmup}"));
                jitted = JitInfo.GetCompiledMethodCount() - jitted;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up {warmup}: merge {cold:F1} ms, {jitted} methods compiled, CPU {coldCpu:F1} ms"));
                if ((warmup + 1 >= MinWarmups && jitted == 0) || warmup + 1 >= MaxWarmups)
                {
                    break;
                }
            }

            var (jitMethods, jitTime) = (JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());

            var (python, merge, kernel, stored) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
            var (mergeCpu, kernelCpu, storedCpu) = (new List<double>(), new List<double>(), new List<double>());
            for (var round = 0; round < rounds; round++)
            {
                // Alternate which side goes first, so drift in the machine's load favours neither.
                if (round % 2 == 0)
                {
                    python.Add(PythonMerge(script, dir));
                    merge.Add(await MergeOnceAsync(merger, dir, $"r{round}"));
                    mergeCpu.Add(ProcessCpu.LastMilliseconds);
                    kernel.Add(CopyWithKernel(picks, Path.Combine(dir, $"k{round}")));
                    kernelCpu.Add(ProcessCpu.LastMilliseconds);
                    stored.Add(await CopyWithStorageAsync(storage, picks, Path.Combine(dir, $"s{round}")));
                    storedCpu.Add(ProcessCpu.LastMilliseconds);
                }
                else
                {
                    merge.Add(await MergeOnceAsync(merger, dir, $"r{round}"));
                    mergeCpu.Add(ProcessCpu.LastMilliseconds);
                    python.Add(PythonMerge(script, dir));
                    stored.Add(await CopyWithStorageAsync(storage, picks, Path.Combine(dir, $"s{round}")));
                    storedCpu.Add(ProcessCpu.LastMilliseconds);
                    kernel.Add(CopyWithKernel(picks, Path.Combine(dir, $"k{round}")));
                    kernelCpu.Add(ProcessCpu.LastMilliseconds);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: python {python[^1]:F1} ms, merge {merge[^1]:F1} ms, kernel copy {kernel[^1]:F1} ms, storage get+copy {stored[^1]:F1} ms"));
            }

            (jitMethods, jitTime) = (JitInfo.GetCompiledMethodCount() - jitMethods, JitInfo.GetCompilationTime() - jitTime);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"JIT during the measured rounds: {jitMethods} methods, {jitTime.TotalMilliseconds:F1} ms"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"min python {python.Min():F1} ms, merge {merge.Min():F1} ms, kernel copy {kernel.Min():F1} ms, storage get+copy {stored.Min():F1} ms"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median process CPU: merge {Median(mergeCpu):F1} ms, kernel copy {Median(kernelCpu):F1} ms, storage get+copy {Median(storedCpu):F1} ms ({Median(storedCpu) / Median(kernelCpu):F2}x)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median python merge_baseline.py: {Median(python):F1} ms"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median PostRunMerger:           {Median(merge):F1} ms  -> {Median(python) / Median(merge):F2}x faster"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median copy_file_range copy:     {Median(kernel):F1} ms"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median storage Get + copy:       {Median(stored):F1} ms  -> {Median(stored) / Median(kernel):F2}x the kernel copy"));
            Console.WriteLine($"# load after: {File.ReadAllText("/proc/loadavg").Trim()}");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Loads the generated shards into the storage layout the merge reads (same bytes, same source times).</summary>
    internal static async Task<List<(string ObjectKey, string SourceFile, string LocalPath)>> LoadAsync(string run, LocalObjectStorage storage)
    {
        var paths = new ReferencePaths(RunId);
        var winners = new Dictionary<(string Key, string Relative), (long Mtime, string ObjectKey, string SourceFile)>();
        foreach (var shardDir in Directory.GetDirectories(run).Order(StringComparer.Ordinal))
        {
            var shard = Path.GetFileName(shardDir);
            foreach (var keyDir in Directory.GetDirectories(shardDir).Order(StringComparer.Ordinal))
            {
                var key = Path.GetFileName(keyDir);
                var prefix = paths.PostRun(Kind, shard, key);
                var mtimes = JsonSerializer.Deserialize<Dictionary<string, long>>(await File.ReadAllBytesAsync(Path.Combine(keyDir, "_source_mtimes.json")))!;
                foreach (var (relative, mtime) in mtimes)
                {
                    var source = Path.Combine(keyDir, relative);
                    await using (var content = File.OpenRead(source))
                    {
                        await storage.PutAsync(prefix + relative, content);
                    }

                    if (!winners.TryGetValue((key, relative), out var best) || mtime > best.Mtime)
                    {
                        winners[(key, relative)] = (mtime, prefix + relative, source);
                    }
                }

                var sidecar = SourceMtimes.Serialize(mtimes.ToDictionary(m => m.Key, m => DateTime.UnixEpoch.AddSeconds(m.Value)));
                await storage.PutAsync(prefix + ReferenceFileNames.SourceMtimes, new MemoryStream(sidecar));
                await storage.PutAsync(prefix + ReferenceFileNames.UploadComplete, new MemoryStream("{}"u8.ToArray()));
            }
        }

        return [.. winners.Select(w => (w.Value.ObjectKey, w.Value.SourceFile, Path.Combine(w.Key.Key, w.Key.Relative)))];
    }

    private static double PythonMerge(string script, string dir)
    {
        var local = Path.Combine(dir, "local");
        if (Directory.Exists(local))
        {
            Directory.Delete(local, recursive: true);
        }

        HardLinks.CopyTree(Path.Combine(dir, "local.pristine"), local);
        var output = Python(script, "merge", dir);
        var words = output.Split(' ', StringSplitOptions.RemoveEmptyEntries); // "merged N files in S s"
        if (words is not ["merged", "2500", "files", "in", var seconds, "s"])
        {
            throw new InvalidOperationException($"Unexpected output of the Python merge: {output}");
        }

        return double.Parse(seconds, CultureInfo.InvariantCulture) * 1000;
    }

    internal static async Task<double> MergeOnceAsync(PostRunMerger merger, string dir, string name)
    {
        var work = Path.Combine(dir, "cs-" + name);
        HardLinks.CopyTree(Path.Combine(dir, "local.pristine"), work);
        var cpu = ProcessCpu.Start();
        var clock = Stopwatch.StartNew();
        var report = await merger.MergeAsync(RunId, Kind, work);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        cpu.Stop();
        var files = report.MergedKeys.Sum(m => m.FileCount);
        Directory.Delete(work, recursive: true);
        return files == 2510 ? elapsed : throw new InvalidOperationException($"The merge wrote {files} files, expected 2510.");
    }

    internal static double CopyWithKernel(List<(string ObjectKey, string SourceFile, string LocalPath)> picks, string target)
    {
        foreach (var directory in picks.Select(p => Path.GetDirectoryName(Path.Combine(target, p.LocalPath))!).Distinct())
        {
            Directory.CreateDirectory(directory);
        }

        var cpu = ProcessCpu.Start();
        var clock = Stopwatch.StartNew();
        Parallel.ForEach(picks, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, pick =>
        {
            using var source = File.OpenHandle(pick.SourceFile, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var destination = File.OpenHandle(Path.Combine(target, pick.LocalPath), FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            var length = RandomAccess.GetLength(source);
            long offset = 0;
            while (offset < length)
            {
                var copied = KernelCopy.CopyFileRange(source, offset, destination, offset, length - offset);
                offset += copied > 0 ? copied : throw new IOException($"copy_file_range failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        });
        var elapsed = clock.Elapsed.TotalMilliseconds;
        cpu.Stop();
        Directory.Delete(target, recursive: true);
        return elapsed;
    }

    internal static async Task<double> CopyWithStorageAsync(LocalObjectStorage storage, List<(string ObjectKey, string SourceFile, string LocalPath)> picks, string target)
    {
        foreach (var directory in picks.Select(p => Path.GetDirectoryName(Path.Combine(target, p.LocalPath))!).Distinct())
        {
            Directory.CreateDirectory(directory);
        }

        var cpu = ProcessCpu.Start();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(picks, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (pick, ct) =>
        {
            var read = await storage.GetAsync(pick.ObjectKey, null, ct);
            await using (read)
            {
                var file = new FileStream(Path.Combine(target, pick.LocalPath), FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1);
                await using (file)
                {
                    await read.Content.CopyToAsync(file, ct);
                }
            }
        });
        var elapsed = clock.Elapsed.TotalMilliseconds;
        cpu.Stop();
        Directory.Delete(target, recursive: true);
        return elapsed;
    }

    internal static string Python(string script, string command, string dir)
    {
        using var process = Process.Start(new ProcessStartInfo("python3", [script, command, dir]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"python3 {script} {command} failed ({process.ExitCode}): {output}");
    }
}
