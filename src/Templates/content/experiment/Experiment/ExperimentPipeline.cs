namespace Experiment;

/// <summary>
/// A three-stage pipeline over <c>data/measurements.csv</c>: load and split the rows, learn one centroid per species,
/// and score the held-out rows. The generator reads the signatures: a parameter whose type another stage returns is
/// that stage's output, <see cref="CsvSignal"/> is a pipeline input. Every stage is cached by the fingerprint of its
/// code and inputs: run twice and the second run does no work; edit a stage and only it and its downstream re-run.
/// </summary>
[Pipeline]
public static partial class ExperimentPipeline
{
    /// <summary>Reads the CSV; every fourth row is held out for evaluation.</summary>
    [Stage]
    public static async Task<Dataset> Load(CsvSignal measurements, CancellationToken cancellationToken)
    {
        var table = await measurements.ReadAsync(cancellationToken);
        var lengths = table.GetDoubles("petal_length");
        var widths = table.GetDoubles("petal_width");
        var species = table.ColumnIndex("species");
        var rows = table.Rows.Select((row, i) => new Sample(lengths[i], widths[i], row[species])).ToArray();
        return new Dataset(
            [.. rows.Where((_, i) => i % 4 != 0)],
            [.. rows.Where((_, i) => i % 4 == 0)]);
    }

    /// <summary>One centroid (mean length and width) per species, from the training rows only.</summary>
    [Stage]
    public static Centroids Train(Dataset data) => new(
        [.. data.Train
            .GroupBy(s => s.Species, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new Centroid(g.Key, g.Average(s => s.Length), g.Average(s => s.Width)))]);

    /// <summary>Classifies each held-out row by its nearest centroid.</summary>
    [Stage]
    public static Evaluation Evaluate(Dataset data, Centroids model)
    {
        var correct = data.Test.Count(s => Nearest(model, s) == s.Species);
        return new Evaluation(data.Test.Length, correct, (double)correct / data.Test.Length);
    }

    private static string Nearest(Centroids model, Sample sample) => model.Items
        .MinBy(c => Math.Pow(c.Length - sample.Length, 2) + Math.Pow(c.Width - sample.Width, 2))!.Species;
}

/// <summary>One measured flower.</summary>
public sealed record Sample(double Length, double Width, string Species);

/// <summary>The rows, split into training and held-out sets.</summary>
public sealed record Dataset(Sample[] Train, Sample[] Test);

/// <summary>The mean measurements of one species.</summary>
public sealed record Centroid(string Species, double Length, double Width);

/// <summary>The trained model: one centroid per species.</summary>
public sealed record Centroids(Centroid[] Items);

/// <summary>How the model did on the held-out rows.</summary>
public sealed record Evaluation(int Rows, int Correct, double Accuracy);
