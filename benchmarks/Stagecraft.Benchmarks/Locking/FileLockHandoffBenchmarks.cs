using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Stagecraft.Locking;
using Stagecraft.TestChild;
using Stagecraft.Testing;

namespace Stagecraft.Benchmarks.Locking;

/// <summary>
/// Two-process handoff latency: holder releases, waiter in the other process runs. The benchmark and a
/// TestChild peer ping-pong over three lock files (see the <c>lock-pingpong</c> command), so every
/// operation is exactly one release-to-running handoff in one direction or the other, with no other IPC.
/// Targets: median under 50 µs for a blocking acquire, under 2 ms for TryAcquire with a timeout.
/// </summary>
/// <remarks>
/// BenchmarkDotNet reports the mean per handoff of each iteration; the cleanup also prints the median of
/// individual steps (two handoffs each) as "handoff median".
/// </remarks>
public class FileLockHandoffBenchmarks
{
    private const int StepsPerInvoke = 50;

    private readonly List<long> _stepTicks = new(capacity: 1 << 20);
    private readonly FileLockHandle?[] _held = new FileLockHandle?[3];
    private string _directory = null!;
    private string[] _locks = null!;
    private TestChildProcess? _peer;
    private int _k;

    /// <summary>sync = <c>Acquire</c>, async = <c>AcquireAsync</c>, try = <c>TryAcquireAsync</c> with a 30 s timeout.</summary>
    [Params("sync", "async", "try")]
    public string Mode { get; set; } = "async";

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), $"stagecraft-bench-handoff-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        _locks = Enumerable.Range(0, 3).Select(i => Path.Combine(_directory, $"pingpong-{i}.lock")).ToArray();
        _held[0] = FileLock.Acquire(_locks[0]);
        _held[1] = FileLock.Acquire(_locks[1]);
        _k = 0;
        _peer = TestChildProcess.Start("lock-pingpong", _directory, Mode);
        _peer.WaitForLineAsync(l => l == "ready", TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _peer?.Dispose();
        foreach (var handle in _held)
        {
            handle?.Dispose();
        }

        if (_stepTicks.Count > 0)
        {
            _stepTicks.Sort();
            var medianStepUs = _stepTicks[_stepTicks.Count / 2] * 1_000_000.0 / Stopwatch.Frequency;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"// {Mode}: handoff median {medianStepUs / 2:F1} us (median step {medianStepUs:F1} us = 2 handoffs, {_stepTicks.Count} steps)"));
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>One step = release L(k) (peer wakes, takes it, releases L(k-1)) and acquire L(k+2) = two handoffs.</summary>
    [Benchmark(OperationsPerInvoke = StepsPerInvoke * 2)]
    public async Task Handoff()
    {
        for (var i = 0; i < StepsPerInvoke; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var release = _k % 3;
            var next = (_k + 2) % 3;
            _held[release]!.Dispose();
            _held[release] = null;
            _held[next] = await FileLockCommands.AcquireAsync(_locks[next], Mode);
            _k++;
            if (_stepTicks.Count < _stepTicks.Capacity)
            {
                _stepTicks.Add(Stopwatch.GetTimestamp() - start);
            }
        }
    }
}
