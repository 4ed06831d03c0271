using BenchmarkDotNet.Attributes;
using Stagecraft.Benchmarks.IO;
using Stagecraft.IO.Native;
using Stagecraft.Locking;

namespace Stagecraft.Benchmarks.Locking;

/// <summary>Uncontended acquire+release vs the raw system calls (target: within 2x of the raw loop).</summary>
[MemoryDiagnoser]
public class FileLockUncontendedBenchmarks
{
    private string _directory = null!;
    private string _path = null!;

    [ParamsSource(nameof(FileSystems))]
    public string FileSystem { get; set; } = "disk";

    public static IEnumerable<string> FileSystems => BenchmarkFileSystems.Available;

    [GlobalSetup]
    public void Setup()
    {
        _directory = BenchmarkFileSystems.CreateDirectory(FileSystem, "lock");
        _path = Path.Combine(_directory, "uncontended.lock");
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    /// <summary>open(O_RDWR|O_CREAT|O_CLOEXEC) + flock(LOCK_EX) + close: the floor.</summary>
    [Benchmark(Baseline = true)]
    public void RawOpenFlockClose()
    {
        var fd = LibC.Open(_path, LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0x1A4);
        using var descriptor = new SafeFileDescriptor(fd);
        if (LibC.Flock(descriptor, LibC.LOCK_EX) != 0)
        {
            throw new InvalidOperationException("flock failed");
        }
    }

    [Benchmark]
    public void Acquire_Dispose()
    {
        using var handle = FileLock.Acquire(_path);
    }

    [Benchmark]
    public async Task AcquireAsync_DisposeAsync()
    {
        await using var handle = await FileLock.AcquireAsync(_path);
    }
}
