using System.Globalization;
using System.Text;
using Stagecraft.Pipelines;
using Stagecraft.Signals;

namespace QuickStart;

/// <summary>
/// Predicts university admission from two exam scores and study hours with logistic regression.
/// The graph is inferred from the method signatures: a parameter whose type another stage returns is that stage's
/// output; the rest (<c>exams</c>, <c>options</c>) are pipeline inputs. Edit any stage body and run again: only it
/// and the stages downstream of it re-run.
/// </summary>
[Pipeline]
public static partial class Admissions
{
    /// <summary>Reads the CSV and splits its rows into training and test sets with a seeded shuffle.</summary>
    [Stage]
    public static async Task<DataSplit> Split(CsvSignal exams, ExperimentOptions options, CancellationToken cancellationToken)
    {
        var table = await exams.ReadAsync(cancellationToken);
        var featureNames = table.Header.Where(column => column != "admitted").ToArray();
        var columns = featureNames.Select(table.GetDoubles).ToArray();
        var labels = table.GetDoubles("admitted").Select(value => (int)value).ToArray();

        var order = Enumerable.Range(0, labels.Length).ToArray();
        new Random(options.Seed).Shuffle(order);
        var testRows = (int)Math.Round(labels.Length * options.TestFraction);

        Samples Take(IEnumerable<int> rows)
        {
            var picked = rows.ToArray();
            return new Samples(
                [.. picked.Select(row => columns.Select(column => column[row]).ToArray())],
                [.. picked.Select(row => labels[row])]);
        }

        return new DataSplit(featureNames, Take(order.Skip(testRows)), Take(order.Take(testRows)));
    }

    /// <summary>Describes the data (runs in parallel with <see cref="Standardise"/>: neither needs the other).</summary>
    [Stage]
    public static DatasetProfile Profile(DataSplit split)
    {
        var features = split.FeatureNames.Select((name, j) =>
        {
            var values = split.Train.Features.Select(row => row[j]).ToArray();
            return new FeatureProfile(name, values.Min(), values.Max(), values.Average());
        });
        return new DatasetProfile(split.Train.Count, split.Test.Count, split.Train.Labels.Average(), [.. features]);
    }

    /// <summary>Centres and scales every feature with statistics of the training rows only (no test leakage).</summary>
    [Stage]
    public static StandardisedData Standardise(DataSplit split)
    {
        var width = split.FeatureNames.Length;
        var means = new double[width];
        var scales = new double[width];
        for (var j = 0; j < width; j++)
        {
            var column = split.Train.Features.Select(row => row[j]).ToArray();
            means[j] = column.Average();
            var variance = column.Sum(v => (v - means[j]) * (v - means[j])) / column.Length;
            scales[j] = variance > 0 ? Math.Sqrt(variance) : 1;
        }

        Samples Scale(Samples samples) => samples with
        {
            Features = [.. samples.Features.Select(row => row.Select((v, j) => (v - means[j]) / scales[j]).ToArray())],
        };

        return new StandardisedData(split.FeatureNames, means, scales, Scale(split.Train), Scale(split.Test));
    }

    /// <summary>Fits logistic regression by full-batch gradient descent on the cross-entropy loss with an L2 penalty.</summary>
    [Stage]
    public static LogisticModel Train(StandardisedData data, ExperimentOptions options, StageContext context)
    {
        var x = data.Train.Features;
        var y = data.Train.Labels;
        var weights = new double[data.FeatureNames.Length];
        var bias = 0.0;
        var loss = 0.0;
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var gradient = new double[weights.Length];
            var biasGradient = 0.0;
            loss = 0.0;
            for (var i = 0; i < x.Length; i++)
            {
                var p = Sigmoid(Dot(weights, x[i]) + bias);
                var error = p - y[i];
                for (var j = 0; j < weights.Length; j++)
                {
                    gradient[j] += error * x[i][j];
                }

                biasGradient += error;
                loss -= (y[i] * Math.Log(Math.Max(p, 1e-12))) + ((1 - y[i]) * Math.Log(Math.Max(1 - p, 1e-12)));
            }

            for (var j = 0; j < weights.Length; j++)
            {
                weights[j] -= options.LearningRate * ((gradient[j] / x.Length) + (options.L2Penalty * weights[j]));
            }

            bias -= options.LearningRate * biasGradient / x.Length;
            loss /= x.Length;
            if (epoch % 50 == 0)
            {
                context.Progress?.Report((double)epoch / options.Epochs);
            }
        }

        context.Logger.LogTrainingFinished(options.Epochs, loss);
        return new LogisticModel(data.FeatureNames, weights, bias, options.Epochs, loss);
    }

    /// <summary>Scores the model on the held-out test rows.</summary>
    [Stage]
    public static Metrics Evaluate(LogisticModel model, StandardisedData data)
    {
        int tp = 0, fp = 0, tn = 0, fn = 0;
        var logLoss = 0.0;
        for (var i = 0; i < data.Test.Count; i++)
        {
            var p = Sigmoid(Dot(model.Weights, data.Test.Features[i]) + model.Bias);
            var actual = data.Test.Labels[i];
            var predicted = p >= 0.5 ? 1 : 0;
            (tp, fp, tn, fn) = (predicted, actual) switch
            {
                (1, 1) => (tp + 1, fp, tn, fn),
                (1, 0) => (tp, fp + 1, tn, fn),
                (0, 0) => (tp, fp, tn + 1, fn),
                _ => (tp, fp, tn, fn + 1),
            };
            logLoss -= (actual * Math.Log(Math.Max(p, 1e-12))) + ((1 - actual) * Math.Log(Math.Max(1 - p, 1e-12)));
        }

        var precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
        var recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new Metrics(data.Test.Count, (double)(tp + tn) / data.Test.Count, precision, recall, f1, logLoss / data.Test.Count);
    }

    /// <summary>Saves the weights (then the bias) as a NumPy array: <c>numpy.load("weights.npy")</c> opens it.</summary>
    [Stage]
    public static Task<NpySignal> ExportWeights(LogisticModel model, StageContext context) =>
        NpySignal.WriteAsync(
            Path.Combine(context.WorkDirectory, "weights.npy"),
            new NpyArray([.. model.Weights, model.Bias], model.Weights.Length + 1),
            context.CancellationToken);

    /// <summary>Writes a Markdown report of the data, the model and its scores.</summary>
    [Stage]
    public static async Task<FileSignal> Report(Metrics metrics, DatasetProfile profile, LogisticModel model, NpySignal weights, StageContext context)
    {
        var stored = await weights.ReadAsync(context.CancellationToken);
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder()
            .AppendLine("# Admissions model")
            .AppendLine(c, $"Training rows: {profile.TrainRows}, test rows: {profile.TestRows}, admitted: {profile.PositiveRate:P1}")
            .AppendLine()
            .AppendLine("| feature | weight (standardised) |")
            .AppendLine("| --- | ---: |");
        for (var j = 0; j < model.FeatureNames.Length; j++)
        {
            text.AppendLine(c, $"| {model.FeatureNames[j]} | {stored.Data[j]:F3} |");
        }

        text.AppendLine()
            .AppendLine(c, $"Accuracy {metrics.Accuracy:P1}, precision {metrics.Precision:P1}, recall {metrics.Recall:P1}, F1 {metrics.F1:F3}, log-loss {metrics.LogLoss:F3}");
        return await FileSignal.WriteAllTextAsync(Path.Combine(context.WorkDirectory, "report.md"), text.ToString(), context.CancellationToken);
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
