namespace QuickStart;

/// <summary>The experiment's knobs: a pipeline input, so changing one re-runs exactly the stages that read it.</summary>
public sealed record ExperimentOptions(double TestFraction, int Seed, double LearningRate, int Epochs, double L2Penalty);

/// <summary>Rows of features with their 0/1 labels.</summary>
public sealed record Samples(double[][] Features, int[] Labels)
{
    public int Count => Labels.Length;
}

/// <summary>The dataset split into training and test rows.</summary>
public sealed record DataSplit(string[] FeatureNames, Samples Train, Samples Test);

/// <summary>Summary statistics of one feature column.</summary>
public sealed record FeatureProfile(string Name, double Min, double Max, double Mean);

/// <summary>What the data looks like, before any modelling.</summary>
public sealed record DatasetProfile(int TrainRows, int TestRows, double PositiveRate, FeatureProfile[] Features);

/// <summary>Features standardised with the training rows' means and standard deviations.</summary>
public sealed record StandardisedData(string[] FeatureNames, double[] Means, double[] Scales, Samples Train, Samples Test);

/// <summary>A logistic-regression model.</summary>
public sealed record LogisticModel(string[] FeatureNames, double[] Weights, double Bias, int Epochs, double TrainingLoss);

/// <summary>Test-set quality of a model.</summary>
public sealed record Metrics(int TestRows, double Accuracy, double Precision, double Recall, double F1, double LogLoss);
