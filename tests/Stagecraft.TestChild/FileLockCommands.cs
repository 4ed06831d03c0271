using System.Globalization;
using System.Runtime.CompilerServices;
using Stagecraft.Locking;

namespace Stagecraft.TestChild;

/// <summary>Child commands for FileLock race and crash tests.</summary>
internal static class FileLockCommands
{
    /// <summary>Exit code when a child saw another holder inside the critical section.</summary>
    public const int OverlapExitCode = 3;

    [ModuleInitializer]
    internal static void Register()
    {
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
}
