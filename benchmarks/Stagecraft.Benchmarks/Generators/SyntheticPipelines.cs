using System.Globalization;
using System.Text;

namespace Stagecraft.Benchmarks.Generators;

/// <summary>
/// Source for a synthetic solution: <c>pipelines</c> files, each a <c>[Pipeline]</c> class of <c>stagesPerPipeline</c>
/// stages with realistic bodies and bindings (by type, by <c>[From]</c>, pipeline inputs, <c>StageContext</c>,
/// <c>Task&lt;T&gt;</c>), plus plain files the "unrelated edit" touches.
/// </summary>
internal static class SyntheticPipelines
{
    public const string UnrelatedFileName = "Unrelated0.cs";

    public static IReadOnlyList<(string Path, string Source)> Create(int pipelines, int stagesPerPipeline, int unrelatedFiles)
    {
        var files = new List<(string, string)>();
        for (var p = 0; p < pipelines; p++)
        {
            files.Add(($"Pipeline{p}.cs", Pipeline(p, stagesPerPipeline)));
        }

        for (var u = 0; u < unrelatedFiles; u++)
        {
            files.Add(($"Unrelated{u}.cs", Unrelated(u, edit: 0)));
        }

        return files;
    }

    /// <summary>The unrelated file with a body edit (numbered, so successive edits differ).</summary>
    public static string Unrelated(int index, int edit) => string.Create(CultureInfo.InvariantCulture, $$"""
        namespace Synthetic.Support;

        public static class Helpers{{index}}
        {
            public static double Mean(double[] values)
            {
                var sum = {{edit}}.0;
                foreach (var value in values)
                {
                    sum += value;
                }

                return values.Length == 0 ? 0 : sum / values.Length;
            }

            public static string Describe(int count) => $"{count} item(s)";
        }
        """);

    private static string Pipeline(int p, int stages)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $$"""
            using System.Threading.Tasks;
            using Stagecraft.Pipelines;

            namespace Synthetic.Pipeline{{p}};

            public sealed record Settings(double Scale, int Seed);

            """);
        for (var s = 0; s < stages; s++)
        {
            text.Append(CultureInfo.InvariantCulture, $"public sealed record Output{s}(double[] Values, string Note);\n");
        }

        text.Append(CultureInfo.InvariantCulture, $$"""

            /// <summary>Synthetic pipeline {{p}}.</summary>
            [Pipeline]
            public static partial class Pipeline{{p}}
            {
                [Stage]
                public static Output0 Load(double[] raw, Settings settings)
                {
                    // Scale the raw values.
                    var values = new double[raw.Length];
                    for (var i = 0; i < raw.Length; i++)
                    {
                        values[i] = raw[i] * settings.Scale;
                    }

                    return new Output0(values, "loaded");
                }

            """);
        for (var s = 1; s < stages; s++)
        {
            var previous = $"Output{s - 1}";
            var output = $"Output{s}";
            if (s % 4 == 1)
            {
                // Async stage with context, reading the previous stage by type.
                text.Append(CultureInfo.InvariantCulture, $$"""
                        [Stage]
                        public static async Task<{{output}}> Step{{s}}({{previous}} input, StageContext context)
                        {
                            await Task.Yield();
                            var values = new double[input.Values.Length];
                            for (var i = 0; i < values.Length; i++)
                            {
                                values[i] = input.Values[i] + {{s}};
                            }

                            return new {{output}}(values, context.StageName);
                        }

                    """);
            }
            else if (s % 4 == 2 && s >= 2)
            {
                // [From] two stages back plus the previous stage by type, and a version.
                var earlierStage = s == 2 ? "Load" : $"Step{s - 2}";
                text.Append(CultureInfo.InvariantCulture, $$"""
                        [Stage(Version = "{{s}}")]
                        public static {{output}} Step{{s}}({{previous}} input, [From(nameof({{earlierStage}}))] Output{{s - 2}} earlier)
                        {
                            var values = new double[input.Values.Length];
                            for (var i = 0; i < values.Length; i++)
                            {
                                values[i] = input.Values[i] - (i < earlier.Values.Length ? earlier.Values[i] : 0);
                            }

                            return new {{output}}(values, input.Note + earlier.Note);
                        }

                    """);
            }
            else
            {
                // Plain stage with a shared pipeline input.
                text.Append(CultureInfo.InvariantCulture, $$"""
                        [Stage]
                        public static {{output}} Step{{s}}({{previous}} input, Settings settings)
                        {
                            var values = (double[])input.Values.Clone();
                            System.Array.Sort(values);
                            return new {{output}}(values, settings.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        }

                    """);
            }
        }

        text.Append("}\n");
        return text.ToString();
    }
}
