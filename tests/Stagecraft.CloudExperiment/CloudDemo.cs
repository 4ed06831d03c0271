using System.Globalization;
using Stagecraft.Gcp.Compute;
using Stagecraft.Pipelines;
using Stagecraft.Signals;

namespace Stagecraft.CloudExperiment;

/// <summary>
/// Four stages on three placements: <see cref="Generate"/> in process, <see cref="Train"/> on a GPU profile,
/// <see cref="Summarise"/> and <see cref="Report"/> on a CPU profile. Every output depends only on the inputs, so a
/// run on VMs and a run in process give the same content fingerprints.
/// </summary>
[Pipeline]
public static partial class CloudDemo
{
    /// <summary>The GPU profile <see cref="Train"/> asks for.</summary>
    public const string GpuProfile = "gpu-spot";

    /// <summary>The CPU profile <see cref="Summarise"/> and <see cref="Report"/> ask for.</summary>
    public const string CpuProfile = "cpu";

    /// <summary>The machine shapes of the two profiles: a spot GPU VM and a plain CPU VM.</summary>
    public static IReadOnlyDictionary<string, GceMachineProfile> MachineProfiles { get; } = new Dictionary<string, GceMachineProfile>(StringComparer.Ordinal)
    {
        [GpuProfile] = new() { MachineType = "g2-standard-4", GpuType = "nvidia-l4", Spot = true },
        [CpuProfile] = new() { MachineType = "e2-standard-2" },
    };

    /// <summary>Seeded samples.</summary>
    [Stage]
    public static Samples Generate(int seed)
    {
        var random = new Random(seed);
        return new Samples([.. Enumerable.Range(0, 64).Select(_ => Math.Round(random.NextDouble() * 100, 3))]);
    }

    /// <summary>"Trains" by writing weights to a file; waits <paramref name="delayMilliseconds"/> first, so a test can cancel it while it runs.</summary>
    [Stage(Profile = GpuProfile)]
    public static async Task<FileSignal> Train(Samples samples, int delayMilliseconds, StageContext context, CancellationToken cancellationToken)
    {
        await Task.Delay(delayMilliseconds, cancellationToken);
        var weights = samples.Values.Select((value, i) => (value * (i + 1) % 17).ToString("F3", CultureInfo.InvariantCulture));
        return await FileSignal.WriteAllTextAsync(Path.Combine(context.WorkDirectory, "weights.txt"), string.Join('\n', weights) + "\n", cancellationToken);
    }

    /// <summary>Summary statistics.</summary>
    [Stage(Profile = CpuProfile)]
    public static Summary Summarise(Samples samples) =>
        new(samples.Values.Length, Math.Round(samples.Values.Average(), 6), samples.Values.Min(), samples.Values.Max());

    /// <summary>Joins the weights and the summary into one report.</summary>
    [Stage(Profile = CpuProfile)]
    public static async Task<string> Report(FileSignal weights, Summary summary, CancellationToken cancellationToken)
    {
        var lines = (await weights.ReadAllTextAsync(cancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Create(CultureInfo.InvariantCulture, $"{lines.Length} weights; {summary.Count} samples, mean {summary.Mean}, range {summary.Min}..{summary.Max}");
    }
}

/// <summary>The samples.</summary>
public sealed record Samples(double[] Values);

/// <summary>Summary statistics of <see cref="Samples"/>.</summary>
public sealed record Summary(int Count, double Mean, double Min, double Max);
