using Stagecraft.Pipelines;
using Stagecraft.Sdk.Generators.Tests.Support;

namespace Stagecraft.Sdk.Generators.Tests;

/// <summary>
/// The generated <see cref="StageDescriptor.OutputNullable"/> follows the declared return type: a stage returning
/// <c>T?</c> (reference or value type, directly or through a task) may return null; one returning a non-nullable type
/// fails with <see cref="StageOutputNullException"/> when it does.
/// </summary>
public sealed class StageOutputNullabilityTests
{
    [Fact]
    public void OutputNullable_is_set_for_stages_returning_nullable_reference_and_value_types()
    {
        var outcome = GeneratorHarness.Run("""
            using System.Threading.Tasks;
            using Stagecraft.Pipelines;
            public sealed record Model(int N);

            namespace Demo
            {
                [Pipeline]
                public static partial class P
                {
                    [Stage] public static Model Plain([Input] int n) => new(n);
                    [Stage] public static Model? MaybeModel([Input] int n) => n > 0 ? new(n) : null;
                    [Stage] public static Task<Model?> MaybeModelLater([Input] int n) => Task.FromResult<Model?>(null);
                    [Stage] public static int Count([Input] int n) => n;
                    [Stage] public static int? MaybeCount([Input] int n) => null;
                    [Stage] public static ValueTask<int?> MaybeCountLater([Input] int n) => new((int?)null);
                    [Stage] public static Task<string> Name([Input] int n) => Task.FromResult(n.ToString());
            #nullable disable
                    [Stage] public static string Oblivious([Input] int n) => null;
            #nullable restore
                }
            }
            """);
        Assert.Empty(outcome.Diagnostics);
        Assert.Empty(outcome.CompilerDiagnostics);
        using var loaded = LoadedAssembly.Emit(outcome.Output);
        var graph = loaded.GetStaticProperty<PipelineGraph>("Demo.P", "Graph");

        var nullable = graph.Stages.ToDictionary(s => s.Name, s => s.OutputNullable);
        Assert.Equal(
            new Dictionary<string, bool>
            {
                ["Plain"] = false,
                ["MaybeModel"] = true,
                ["MaybeModelLater"] = true,
                ["Count"] = false,
                ["MaybeCount"] = true,
                ["MaybeCountLater"] = true,
                ["Name"] = false,
                ["Oblivious"] = true,
            },
            nullable);
        Assert.Equal(typeof(int?), graph["MaybeCount"].OutputType);
    }
}
