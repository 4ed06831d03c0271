namespace Stagecraft.Sdk.Generators.Tests.Support;

/// <summary>User code the tests feed to the generator.</summary>
internal static class SamplePipelines
{
    /// <summary>The example: inputs, a context parameter, a Task stage, [From] and a Version.</summary>
    public const string Forecast = """
        using System.Threading.Tasks;
        using Stagecraft.Pipelines;

        namespace Demo;

        public sealed record Dataset(double[] Values);
        public sealed record PreprocessOptions(double Scale);
        public sealed record Features(double[] Scaled);
        public sealed record Model(double Mean);
        public sealed record Report(double Error);

        [Pipeline]
        public static partial class Forecast
        {
            [Stage]
            public static Features Preprocess(Dataset raw, PreprocessOptions options)
            {
                // Scale every value.
                var scaled = new double[raw.Values.Length];
                for (var i = 0; i < scaled.Length; i++)
                {
                    scaled[i] = raw.Values[i] * options.Scale;
                }

                return new Features(scaled);
            }

            [Stage]
            public static Task<Model> Train(Features features, StageContext context)
            {
                var sum = 0.0;
                foreach (var value in features.Scaled)
                {
                    sum += value;
                }

                return Task.FromResult(new Model(sum / features.Scaled.Length));
            }

            [Stage(Version = "2")]
            public static Report Evaluate([From(nameof(Train))] Model model, [From(nameof(Preprocess))] Features features)
            {
                var error = 0.0;
                foreach (var value in features.Scaled)
                {
                    error += (value - model.Mean) * (value - model.Mean);
                }

                return new Report(error);
            }
        }
        """;

    /// <summary>
    /// Declared out of order, a ValueTask stage, a CancellationToken, [Input] on a type a stage produces, explicit
    /// stage names, an internal type (so RunAsync becomes internal), a shared input, a nested pipeline class, a
    /// keyword-named parameter, and a nullable input.
    /// </summary>
    public const string Variety = """
        using System.Threading;
        using System.Threading.Tasks;
        using Stagecraft.Pipelines;

        namespace Demo.Variety;

        public sealed record Corpus(string[] Lines);
        internal sealed record Tokens(string[] Words);
        public sealed record Vocabulary(int Size);
        public sealed record Comparison(int Difference);

        public static partial class Outer
        {
            [Pipeline(Name = "text-stats")]
            public static partial class TextStats
            {
                [Stage("Count")]
                internal static async ValueTask<Vocabulary> CountWords(Tokens tokens, int minimumLength, CancellationToken cancellationToken)
                {
                    await Task.Yield();
                    cancellationToken.ThrowIfCancellationRequested();
                    var size = 0;
                    foreach (var word in tokens.Words)
                    {
                        size += word.Length >= minimumLength ? 1 : 0;
                    }

                    return new Vocabulary(size);
                }

                [Stage]
                internal static Tokens Tokenize(Corpus corpus, int minimumLength, string? @separator)
                {
                    var words = new System.Collections.Generic.List<string>();
                    foreach (var line in corpus.Lines)
                    {
                        foreach (var word in line.Split(@separator ?? " "))
                        {
                            if (word.Length >= minimumLength)
                            {
                                words.Add(word);
                            }
                        }
                    }

                    return new Tokens(words.ToArray());
                }

                [Stage]
                public static Comparison Compare(Vocabulary vocabulary, [Input] Vocabulary baseline) => new(vocabulary.Size - baseline.Size);
            }
        }
        """;

    /// <summary>A pipeline in the global namespace with a stage of no parameters and no inputs at all.</summary>
    public const string GlobalNamespace = """
        using Stagecraft.Pipelines;

        public sealed record Answer(int Value);

        [Pipeline]
        internal partial class Constants
        {
            [Stage]
            private static Answer Compute() => new Answer(42);
        }
        """;
}
