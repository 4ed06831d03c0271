using System.Globalization;
using System.Runtime.CompilerServices;
using Stagecraft.Locking;

namespace Stagecraft.TestChild;

/// <summary>Child commands for FileLock race and crash tests.</summary>
public static class FileLockCommands
{
    /// <summary>Exit code when a child saw another holder inside the critical section.</summary>
    public const int OverlapExitCode = 3;

    [ModuleInitializer]
    internal static void Register()
    {
        // lock-pingpong <dir> <sync|async|try>: the peer of the handoff benchmark. With three locks the two
        // processes strictly alternate, and every step is one kernel handoff: the peer takes L(j) as soon as
        // the benchmark releases it, then releases L(j-1), which the benchmark is waiting for.
        ChildCommands.Register("lock-pingpong", async args =>
        {
            var locks = Enumerable.Range(0, 3).Select(i => Path.Combine(args[0], $"pingpong-{i}.lock")).ToArray();
            var mode = args[1];
            var held = new FileLockHandle?[3];
            held[2] = await AcquireAsync(locks[2], mode);
            Console.WriteLine("ready");
            for (var j = 0; ; j = (j + 1) % 3)
            {
                held[j] = await AcquireAsync(locks[j], mode);
                var previous = (j + 2) % 3;
                held[previous]!.Dispose();
                held[previous] = null;
            }
        });

        // lock-hold <lockPath>: take the lock, print "held", then hold it until killed.
        ChildCommands.Register("lock-hold", async args =>
        {
            using var handle = await FileLock.AcquireAsync(args[0]);
            Console.WriteLine("held");
            await Task.Delay(Timeout.Infinite);
            return 0;
        });

        // lock-count <lockPath> <counterPath> <insideMarkerPath> <iterations>:
        // read-increment-write a counter under the lock; an O_EXCL marker proves nobody else is inside.
        ChildCommands.Register("lock-count", async args =>
        {
            var (lockPath, counterPath, markerPath) = (args[0], args[1], args[2]);
            var iterations = int.Parse(args[3], CultureInfo.InvariantCulture);
            Console.WriteLine("started");
            for (var i = 0; i < iterations; i++)
            {
                await using var handle = await FileLock.AcquireAsync(lockPath);
                try
                {
                    using (File.Open(markerPath, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
                    {
                    }
                }
                catch (IOException)
                {
                    Console.WriteLine("OVERLAP");
                    return OverlapExitCode;
                }

                var text = File.Exists(counterPath) ? await File.ReadAllTextAsync(counterPath) : "0";
                var value = int.Parse(text, CultureInfo.InvariantCulture);
                await Task.Yield(); // widen the window a race would need
                await File.WriteAllTextAsync(counterPath, (value + 1).ToString(CultureInfo.InvariantCulture));
                File.Delete(markerPath);
            }

            Console.WriteLine("done");
            return 0;
        });
    }

    /// <summary>Acquires with the API the benchmark measures: sync Acquire, AcquireAsync, or TryAcquireAsync with a timeout.</summary>
    public static async Task<FileLockHandle> AcquireAsync(string path, string mode) => mode switch
    {
        "sync" => FileLock.Acquire(path),
        "try" => await FileLock.TryAcquireAsync(path, TimeSpan.FromSeconds(30)) ?? throw new TimeoutException($"Handoff of {path} took over 30 s."),
        _ => await FileLock.AcquireAsync(path),
    };
}
