namespace Stagecraft.Benchmarks.IO;

/// <summary>
/// Where file benchmarks run: "disk" = the temp directory (ext4 on the recorded machine), "tmpfs" =
/// /dev/shm when it exists. tmpfs isolates our CPU overhead from the shared disk's noise.
/// </summary>
public static class BenchmarkFileSystems
{
    public static IEnumerable<string> Available =>
        Directory.Exists("/dev/shm") ? ["disk", "tmpfs"] : ["disk"];

    /// <summary>A fresh, empty directory on <paramref name="fileSystem"/>.</summary>
    public static string CreateDirectory(string fileSystem, string prefix)
    {
        var root = fileSystem == "tmpfs" ? "/dev/shm" : Path.GetTempPath();
        var directory = Path.Combine(root, $"stagecraft-bench-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        return directory;
    }
}
