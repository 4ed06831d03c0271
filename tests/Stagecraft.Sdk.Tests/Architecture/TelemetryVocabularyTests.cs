using System.Text.RegularExpressions;
using Stagecraft.Telemetry;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.Architecture;

/// <summary>
/// Traces speak one vocabulary: every source name comes from <see cref="StagecraftTelemetry"/> and every tag name from
/// <see cref="StagecraftTags"/>, so a name written by hand (and spelled differently from its siblings) fails here with
/// the file and line that wrote it.
/// </summary>
public sealed partial class TelemetryVocabularyTests
{
    [Fact]
    public void Product_code_names_tags_and_sources_only_through_the_vocabulary()
    {
        var files = SourceFiles(RepositoryLayout.Combine("src")).ToList();
        Assert.NotEmpty(files);
        var offenders = new List<string>();
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (LiteralTag().IsMatch(lines[i]) || LiteralSource().IsMatch(lines[i]))
                {
                    offenders.Add($"{Relative(file)}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.True(
            offenders.Count == 0,
            "Tag and source names must come from StagecraftTags / StagecraftTelemetry, not string literals:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void Source_names_are_distinct_and_share_the_Stagecraft_prefix()
    {
        var names = StagecraftTelemetry.AllSourceNames;
        Assert.NotEmpty(names);
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names, name => Assert.StartsWith("Stagecraft.", name, StringComparison.Ordinal));
    }

    [Fact]
    public void Tag_names_are_distinct_and_share_the_stagecraft_prefix()
    {
        var names = typeof(StagecraftTags).GetFields()
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();
        Assert.NotEmpty(names);
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names, name => Assert.Matches(@"^stagecraft(\.[a-z][a-z0-9_]*){2,}$", name));
    }

    private static IEnumerable<string> SourceFiles(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));

    private static string Relative(string path) => Path.GetRelativePath(RepositoryLayout.Root, path).Replace('\\', '/');

    /// <summary><c>SetTag("…"</c> or <c>AddTag("…"</c>, verbatim and interpolated literals included.</summary>
    [GeneratedRegex(@"\b(?:SetTag|AddTag)\s*\(\s*[@$]*""")]
    private static partial Regex LiteralTag();

    /// <summary><c>new ActivitySource("…"</c>, or a target-typed <c>ActivitySource x = new("…"</c>.</summary>
    [GeneratedRegex(@"(?:\bnew\s+ActivitySource\s*\(|\bActivitySource\s+\w+\s*=\s*new\s*\()\s*[@$]*""")]
    private static partial Regex LiteralSource();
}
