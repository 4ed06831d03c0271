using Stagecraft.Pipelines;

namespace ModelSelection;

/// <summary>A labelled point of the toy data set.</summary>
public sealed record Point(double X, double Y, int Label);

/// <summary>The pipeline's input data.</summary>
public sealed record Dataset(Point[] Points);

/// <summary>Which model to train: <c>threshold</c> (one split on X) or <c>centroid</c> (nearest class centroid).</summary>
public sealed record TrainingOptions(string Kind);

/// <summary>Train/holdout split.</summary>
public sealed record Splits(Point[] Train, Point[] Holdout);

/// <summary>A trained model: its kind and parameters.</summary>
public sealed record TrainedModel(string Kind, double[] Parameters);

/// <summary>The model with its holdout accuracy.</summary>
public sealed record EvaluatedModel(TrainedModel Model, double Accuracy, int HoldoutSize);

/// <summary>Trains one simple classifier and evaluates it on a holdout set.</summary>
[Pipeline(Name = "model-training")]
public static partial class ModelTraining
{
    [Stage]
    public static Splits Split(Dataset data)
    {
        // Every fifth point is held out: deterministic, so reruns hit the stage cache.
        var train = data.Points.Where((_, i) => i % 5 != 0).ToArray();
        var holdout = data.Points.Where((_, i) => i % 5 == 0).ToArray();
        return new Splits(train, holdout);
    }

    [Stage]
    public static TrainedModel Train(Splits splits, TrainingOptions options) => options.Kind switch
    {
        "threshold" => TrainThreshold(splits.Train),
        "centroid" => TrainCentroid(splits.Train),
        _ => throw new ArgumentException($"Unknown model kind '{options.Kind}' (use 'threshold' or 'centroid').", nameof(options)),
    };

    [Stage]
    public static EvaluatedModel Evaluate(TrainedModel train, Splits splits)
    {
        var correct = splits.Holdout.Count(p => Predict(train, p) == p.Label);
        return new EvaluatedModel(train, (double)correct / splits.Holdout.Length, splits.Holdout.Length);
    }

    public static int Predict(TrainedModel model, Point p) => model.Kind switch
    {
        "threshold" => p.X > model.Parameters[0] ? 1 : 0,
        "centroid" => Distance2(p, model.Parameters[2], model.Parameters[3]) < Distance2(p, model.Parameters[0], model.Parameters[1]) ? 1 : 0,
        _ => throw new ArgumentException($"Unknown model kind '{model.Kind}'.", nameof(model)),
    };

    private static TrainedModel TrainThreshold(Point[] train)
    {
        // The split on X that classifies the most training points correctly.
        var best = (Threshold: 0.0, Correct: -1);
        foreach (var candidate in train.Select(p => p.X).Distinct())
        {
            var correct = train.Count(p => (p.X > candidate ? 1 : 0) == p.Label);
            if (correct > best.Correct)
            {
                best = (candidate, correct);
            }
        }

        return new TrainedModel("threshold", [best.Threshold]);
    }

    private static TrainedModel TrainCentroid(Point[] train)
    {
        var zero = train.Where(p => p.Label == 0).ToArray();
        var one = train.Where(p => p.Label == 1).ToArray();
        return new TrainedModel("centroid", [zero.Average(p => p.X), zero.Average(p => p.Y), one.Average(p => p.X), one.Average(p => p.Y)]);
    }

    private static double Distance2(Point p, double x, double y) => ((p.X - x) * (p.X - x)) + ((p.Y - y) * (p.Y - y));
}
