using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Stagecraft.Snapshots;

namespace Stagecraft.TestChild;

/// <summary>A shared-nothing worker for the snapshot end-to-end tests: everything it uses comes from its snapshot.</summary>
internal static class SnapshotCommands
{
    [ModuleInitializer]
    internal static void Register() =>
        // snapshot-worker: hydrate from STAGECRAFT_SNAPSHOT_PATH and run the stage it names ("score").
        ChildCommands.Register("snapshot-worker", _ => SnapshotWorker.RunAsync(new Dictionary<string, Func<HydratedStage, CancellationToken, Task<int>>>
        {
            ["score"] = ScoreAsync,
        }));

    /// <summary>
    /// Scores the parameter <c>input</c> (comma-separated numbers) against <c>config/weights.txt</c> and names the class
    /// from <c>config/labels.txt</c>; <c>min-score</c> comes from the configuration entries.
    /// </summary>
    private static Task<int> ScoreAsync(HydratedStage stage, CancellationToken cancellationToken)
    {
        var inputs = stage.Parameters["input"].Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var weights = Encoding.UTF8.GetString(stage.Files.ReadAllBytes("config/weights.txt")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var labels = Encoding.UTF8.GetString(stage.Files.ReadAllBytes("config/labels.txt")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (!stage.Configuration.TryGetValue("min-score", out var minText))
        {
            Console.Error.WriteLine("configuration entry 'min-score' is missing");
            return Task.FromResult(2);
        }

        var score = inputs.Zip(weights, (x, w) => x * w).Sum();
        var label = score >= double.Parse(minText, CultureInfo.InvariantCulture) ? labels[1] : labels[0];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stage={stage.StageName} score={score:0.###} label={label}"));

        try
        {
            stage.Configuration.Set("min-score", "0");
            Console.WriteLine("read-only=no");
        }
        catch (ReadOnlyStoreException)
        {
            Console.WriteLine("read-only=yes");
        }

        return Task.FromResult(0);
    }
}
