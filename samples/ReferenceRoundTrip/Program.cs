using ReferenceRoundTrip;

// dotnet run --project samples/ReferenceRoundTrip [workspace-directory]
// Without a directory, a temporary workspace is used and removed afterwards.
var keep = args.Length > 0;
var workspace = keep ? args[0] : Path.Combine(Path.GetTempPath(), $"stagecraft-refs-{Guid.NewGuid():N}");
try
{
    var report = await RoundTrip.RunAsync(workspace, Console.Out);
    return report.MergedKeys.Count == 2 && report.SkippedKeys.Count == 0 ? 0 : 1;
}
finally
{
    if (!keep && Directory.Exists(workspace))
    {
        Directory.Delete(workspace, recursive: true);
    }
}
