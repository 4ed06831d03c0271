using System.Text.RegularExpressions;
using System.Xml.Linq;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.Architecture;

/// <summary>
/// Dependencies point down, never up and never in a circle: between projects (adapters depend on the core, the core
/// on no adapter) and between the core's namespaces (primitives below features). A new dependency that breaks the
/// order fails here with the file that introduced it.
/// </summary>
public sealed partial class LayeringTests
{
    /// <summary>Which projects each product project may reference. Anything not listed is refused.</summary>
    private static readonly Dictionary<string, string[]> AllowedProjectReferences = new(StringComparer.Ordinal)
    {
        ["Stagecraft.Sdk.Generators"] = [],
        ["Stagecraft.Sdk"] = ["Stagecraft.Sdk.Generators"],
        ["Stagecraft.Sdk.Local"] = ["Stagecraft.Sdk"],
        // A cloud coordinator is a process on this machine: its in-flight registry uses the local adapter's process table.
        ["Stagecraft.Sdk.Gcp"] = ["Stagecraft.Sdk", "Stagecraft.Sdk.Local"],
    };

    /// <summary>
    /// The core's top-level namespaces by layer: a namespace may use its own and those of strictly lower layers.
    /// </summary>
    private static readonly Dictionary<string, int> NamespaceLayers = new(StringComparer.Ordinal)
    {
        ["IO"] = 0,
        ["Telemetry"] = 0,
        ["Locking"] = 1,
        ["Fingerprinting"] = 1,
        ["Storage"] = 1,
        ["Signals"] = 2,
        ["Runs"] = 2,
        ["Artifacts"] = 3,
        ["InFlight"] = 3,
        ["References"] = 3,
        ["Snapshots"] = 3,
        ["WarmPool"] = 3,
        ["Registry"] = 4,
        ["Pipelines"] = 4,
    };

    [Fact]
    public void Product_projects_reference_only_the_layers_below_them()
    {
        var offenders = new List<string>();
        var projects = ProductProjects().ToList();
        Assert.Contains(projects, p => p.Name == "Stagecraft.Sdk");
        foreach (var (name, path, references) in projects)
        {
            var allowed = AllowedProjectReferences.TryGetValue(name, out var list)
                ? list
                : AllowedProjectReferences.Keys.ToArray(); // tools and templates sit above every library
            offenders.AddRange(references.Where(r => !allowed.Contains(r)).Select(r => $"{path} references {r}"));
        }

        Assert.True(offenders.Count == 0, "Upward or sideways project references:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void Core_namespaces_use_only_their_own_and_lower_layers()
    {
        var offenders = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var core = RepositoryLayout.Combine("src", "Sdk");
        foreach (var file in SourceFiles(core))
        {
            var text = File.ReadAllText(file);
            var own = TopLevelNamespace(text);
            if (own is null)
            {
                continue;
            }

            seen.Add(own);
            Assert.True(NamespaceLayers.ContainsKey(own), $"{Relative(file)}: namespace Stagecraft.{own} has no layer; add it to {nameof(NamespaceLayers)}.");
            foreach (Match use in UsedNamespace().Matches(text))
            {
                var used = use.Groups["ns"].Value;
                if (used == own)
                {
                    continue;
                }

                if (!NamespaceLayers.TryGetValue(used, out var usedLayer))
                {
                    offenders.Add($"{Relative(file)}: Stagecraft.{own} uses Stagecraft.{used}, which is not a core namespace");
                }
                else if (usedLayer >= NamespaceLayers[own])
                {
                    offenders.Add($"{Relative(file)}: Stagecraft.{own} (layer {NamespaceLayers[own]}) uses Stagecraft.{used} (layer {usedLayer})");
                }
            }
        }

        Assert.Contains("Pipelines", seen);
        Assert.True(offenders.Count == 0, "Upward or sideways namespace dependencies:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void The_namespace_check_catches_an_upward_using()
    {
        const string file = "using Stagecraft.Pipelines;\nnamespace Stagecraft.Storage.Transfers;\n";
        Assert.Equal("Storage", TopLevelNamespace(file));
        Assert.Equal(["Pipelines"], UsedNamespace().Matches(file).Select(m => m.Groups["ns"].Value));
        Assert.True(NamespaceLayers["Pipelines"] >= NamespaceLayers["Storage"]);
    }

    private static IEnumerable<(string Name, string Path, List<string> References)> ProductProjects()
    {
        foreach (var csproj in Directory.EnumerateFiles(RepositoryLayout.Combine("src"), "*.csproj", SearchOption.AllDirectories))
        {
            // Template content is a user's project (it references its own pipeline project), not a product layer.
            if (Relative(csproj).StartsWith("src/Templates/content/", StringComparison.Ordinal))
            {
                continue;
            }

            var name = Path.GetFileNameWithoutExtension(csproj);
            var references = XDocument.Load(csproj).Descendants("ProjectReference")
                .Select(e => Path.GetFileNameWithoutExtension(((string?)e.Attribute("Include") ?? string.Empty).Replace('\\', '/')))
                .ToList();
            yield return (name, Relative(csproj), references);
        }
    }

    private static IEnumerable<string> SourceFiles(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));

    private static string? TopLevelNamespace(string text) =>
        FileNamespace().Match(text) is { Success: true } m ? m.Groups["ns"].Value : null;

    private static string Relative(string path) => Path.GetRelativePath(RepositoryLayout.Root, path).Replace('\\', '/');

    [GeneratedRegex(@"^\s*namespace\s+Stagecraft\.(?<ns>[A-Za-z]+)", RegexOptions.Multiline)]
    private static partial Regex FileNamespace();

    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?Stagecraft\.(?<ns>[A-Za-z]+)", RegexOptions.Multiline)]
    private static partial Regex UsedNamespace();
}
