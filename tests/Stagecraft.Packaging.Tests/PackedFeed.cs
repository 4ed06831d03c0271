using System.Globalization;
using Stagecraft.Testing;

namespace Stagecraft.Packaging.Tests;

/// <summary>
/// Every package packed once into a temporary feed under a version no cache has seen, a working directory whose
/// <c>nuget.config</c> takes Stagecraft packages only from that feed, and the template package installed into a
/// private template hive. Shared by the tests of <see cref="PackedPackagesTests"/>.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    private static readonly string[] Packages = ["src/Sdk", "src/Sdk.Local", "src/Sdk.Gcp", "src/Cli", "src/Templates"];

    private readonly TempDirectory _dir = new("packaging");

    public string Version { get; } = "0.1.0-ci." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    public string Feed => _dir.Combine("feed");

    /// <summary>Where projects are created: it holds the feed-only <c>nuget.config</c>.</summary>
    public string Work => _dir.Combine("work");

    /// <summary>The private template hive holding the packed template (<c>--debug:custom-hive</c>).</summary>
    public string Hive => _dir.Combine("template-hive");

    public string Combine(string name) => _dir.Combine(name);

    public async Task InitializeAsync()
    {
        foreach (var package in Packages)
        {
            await DotnetCommand.SucceedAsync(RepositoryLayout.Root, "pack", RepositoryLayout.Combine(package.Split('/')), "-c", "Release", "-o", Feed, "-p:Version=" + Version);
        }

        // Stagecraft packages only from the feed; everything else from the machine's usual source.
        Directory.CreateDirectory(Work);
        await File.WriteAllTextAsync(Path.Combine(Work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="stagecraft-feed" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="stagecraft-feed"><package pattern="Stagecraft.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        await DotnetCommand.SucceedAsync(Work, "new", "install", Path.Combine(Feed, $"Stagecraft.Templates.{Version}.nupkg"), "--debug:custom-hive", Hive);
    }

    /// <summary>Runs <c>dotnet new stagecraft</c> with the packed template into a fresh directory under <see cref="Work"/>.</summary>
    /// <returns>The created solution directory.</returns>
    public async Task<string> NewExperimentAsync(string name, params string[] options)
    {
        var output = Path.Combine(Work, name);
        Assert.False(Directory.Exists(output), $"{output} exists already: every project is created in a fresh directory");
        await DotnetCommand.SucceedAsync(Work, ["new", "stagecraft", "-n", name, "-o", name, .. options, "--debug:custom-hive", Hive]);
        return output;
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }
}
