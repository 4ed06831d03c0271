using System.Diagnostics;
using System.Globalization;
using Stagecraft.IO;
using Stagecraft.Local.Storage;
using Stagecraft.Storage;

namespace Stagecraft.Benchmarks.Storage;

/// <summary>
/// <see cref="LocalObjectStorage"/> listing at 100,000 objects in one folder, all figures from one run: full listing
/// throughput (page size 1,000), the first page against the last page, a prefix matching 5 objects (cold: the folder
/// not read yet; warm: read by an earlier listing), a delimiter listing of the root (folds the big folder), and Stat/Get
/// of one object. Prints every figure and the ratios.
/// </summary>
/// <remarks><c>dotnet run -c Release --project benchmarks/Stagecraft.Benchmarks -- listing DIR [OBJECTS]</c>.</remarks>
internal static class LocalListingScale
{
    public static async Task<int> RunAsync(string[] args)
    {
        var dir = Path.GetFullPath(args.Length > 0 ? args[0] : Path.Combine("/dev/shm", $"stagecraft-listing-{Environment.ProcessId}"));
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        try
        {
            Console.WriteLine($"# store in {dir}; load: {File.ReadAllText("/proc/loadavg").Trim()}");
            var options = new LocalObjectStorageOptions { Durability = Durability.None };
            var storage = new LocalObjectStorage(dir, options);
            var clock = Stopwatch.StartNew();
            var keys = Enumerable.Range(0, count - 5).Select(i => string.Create(CultureInfo.InvariantCulture, $"big/item-{i:D6}"))
                .Concat(Enumerable.Range(0, 5).Select(i => string.Create(CultureInfo.InvariantCulture, $"big/special-{i}")));
            await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, ct) => await storage.PutAsync(key, new MemoryStream([1, 2, 3]), null, ct));
            Console.WriteLine($"# {count} objects written in {clock.Elapsed.TotalSeconds:F1} s");

            // A freshly written folder is re-read for every page until its time has settled (see SortedDirectoryCache).
            await Task.Delay(TimeSpan.FromSeconds(3));

            var (prefixCold, prefixColdCount) = await TimeAsync(new LocalObjectStorage(dir, options), "big/special-", null);

            var listing = new LocalObjectStorage(dir, options);
            var firstPage = TimeSpan.Zero;
            var lastPageStart = TimeSpan.Zero;
            var listed = 0;
            clock.Restart();
            await foreach (var entry in listing.ListAsync("big/", new ListObjectsOptions { PageSize = 1000 }))
            {
                listed++;
                if (listed == 1000)
                {
                    firstPage = clock.Elapsed;
                }
                else if (listed == count - 1000)
                {
                    lastPageStart = clock.Elapsed;
                }
            }

            var full = clock.Elapsed;
            var lastPage = full - lastPageStart;
            var (prefixWarm, prefixWarmCount) = await TimeAsync(listing, "big/special-", null);
            var (delimited, delimitedCount) = await TimeAsync(new LocalObjectStorage(dir, options), "", "/");

            clock.Restart();
            for (var i = 0; i < 1000; i++)
            {
                _ = await listing.StatAsync("big/item-000500");
                await using var read = await listing.GetAsync("big/item-000500");
            }

            var statGet = clock.Elapsed / 1000;

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"full listing: {listed} entries in {full.TotalSeconds:F2} s = {listed / full.TotalSeconds:F0} entries/s (target >= 50,000)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first page (incl. reading and sorting the folder): {firstPage.TotalMilliseconds:F1} ms; last page: {lastPage.TotalMilliseconds:F1} ms; last/first = {lastPage / firstPage:F2} (target <= 2)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"prefix matching {prefixColdCount}: cold {prefixCold.TotalMilliseconds:F1} ms, warm ({prefixWarmCount}) {prefixWarm.TotalMilliseconds:F2} ms"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"root with delimiter: {delimitedCount} entries in {delimited.TotalMilliseconds:F2} ms"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Stat + Get of one object: {statGet.TotalMicroseconds:F1} us"));
            Console.WriteLine($"# load after: {File.ReadAllText("/proc/loadavg").Trim()}");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(TimeSpan Elapsed, int Count)> TimeAsync(LocalObjectStorage storage, string prefix, string? delimiter)
    {
        var clock = Stopwatch.StartNew();
        var n = 0;
        await foreach (var entry in storage.ListAsync(prefix, new ListObjectsOptions { Delimiter = delimiter, PageSize = 1000 }))
        {
            n++;
        }

        return (clock.Elapsed, n);
    }
}
