using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Stagecraft.Pipelines;

namespace Stagecraft.Sdk.Generators.Tests.Support;

/// <summary>Builds compilations of user code against the real Stagecraft.Sdk assembly and the running framework.</summary>
internal static class TestCompilation
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(LoadReferences);

    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    /// <summary>A compilation of <paramref name="sources"/>, named <c>/src/File0.cs</c>, <c>/src/File1.cs</c>... in order.</summary>
    public static CSharpCompilation Create(params string[] sources) =>
        Create(sources.Select((s, i) => ($"/src/File{i}.cs", s)).ToArray());

    public static CSharpCompilation Create(params (string Path, string Source)[] files) =>
        CSharpCompilation.Create(
            "UserAssembly",
            files.Select(f => Parse(f.Source, f.Path)),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static SyntaxTree Parse(string source, string path) => CSharpSyntaxTree.ParseText(source, ParseOptions, path);

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        // The framework this test runs on, plus Stagecraft.Sdk and its dependencies (all in the TPA list).
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .ToList();
        paths.Add(typeof(PipelineGraph).Assembly.Location);
        return [.. paths
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Where(p => !Path.GetFileName(p).StartsWith("Microsoft.CodeAnalysis", StringComparison.OrdinalIgnoreCase))
            .Select(p => MetadataReference.CreateFromFile(p))];
    }
}
