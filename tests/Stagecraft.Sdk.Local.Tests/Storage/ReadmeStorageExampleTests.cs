using Stagecraft.Local.Storage;
using Stagecraft.Storage;
using Stagecraft.Storage.Transfers;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.Storage;

/// <summary>The README's storage example, compiled and run; a second test keeps the README's copy identical.</summary>
public sealed class ReadmeStorageExampleTests
{
    private const string BeginMarker = "// README:Storage begin";
    private const string EndMarker = "// README:Storage end";

    [Fact]
    public async Task Readme_storage_example_runs()
    {
        using var temp = new TempDirectory("readme-storage");
        var storeDirectory = temp.Combine("store");
        var dataDirectory = temp.Combine("data");
        var cacheDirectory = temp.Combine("cache");
        Directory.CreateDirectory(dataDirectory);
        File.WriteAllText(Path.Combine(dataDirectory, "train.csv"), "x,y\n1,2\n");
        var console = new StringWriter();
        var original = Console.Out;
        Console.SetOut(console);
        try
        {
            // README:Storage begin
            IObjectStorage storage = new LocalObjectStorage(storeDirectory);

            // Compare-and-swap: create only if absent, then replace only if nobody wrote in between.
            var created = await storage.PutAsync("experiments/e1/state.json", new MemoryStream("""{"step":1}"""u8.ToArray()),
                new PutObjectOptions { IfGenerationMatch = 0, ContentType = "application/json" });
            try
            {
                await storage.PutAsync("experiments/e1/state.json", new MemoryStream("""{"step":2}"""u8.ToArray()),
                    new PutObjectOptions { IfGenerationMatch = created.Generation });
            }
            catch (PreconditionFailedException ex)
            {
                Console.WriteLine($"Someone else wrote generation {ex.ActualGeneration}: re-read and retry.");
            }

            // Directory trees: parallel, unchanged files skipped, modification times kept.
            var progress = new Progress<TransferProgress>(p => Console.WriteLine($"{p.FilesCompleted}/{p.TotalFiles} files"));
            await storage.UploadDirectoryAsync(dataDirectory, "datasets/train/v1", new TransferOptions { Progress = progress });
            var result = await storage.DownloadPrefixAsync("datasets/train/v1", cacheDirectory);
            Console.WriteLine($"{result.FilesTransferred} downloaded, {result.FilesSkipped} already up to date");
            // README:Storage end

            Assert.Equal(1, result.FilesTransferred);
            await using var state = await storage.GetAsync("experiments/e1/state.json");
            Assert.Equal("""{"step":2}""", await new StreamReader(state.Content).ReadToEndAsync());
            Assert.Equal("x,y\n1,2\n", File.ReadAllText(Path.Combine(cacheDirectory, "train.csv")));
            Assert.Equal(File.GetLastWriteTimeUtc(Path.Combine(dataDirectory, "train.csv")), File.GetLastWriteTimeUtc(Path.Combine(cacheDirectory, "train.csv")));
        }
        finally
        {
            Console.SetOut(original);
        }

        Assert.Contains("1 downloaded, 0 already up to date", console.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Readme_shows_exactly_the_compiled_example()
    {
        var root = RepositoryRoot();
        var source = File.ReadAllLines(Path.Combine(root, "tests", "Stagecraft.Sdk.Local.Tests", "Storage", "ReadmeStorageExampleTests.cs"));
        var begin = Array.FindIndex(source, l => l.Trim() == BeginMarker);
        var end = Array.FindIndex(source, l => l.Trim() == EndMarker);
        var compiled = Normalize(source[(begin + 1)..end]);

        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var section = readme[readme.IndexOf("## Storage", StringComparison.Ordinal)..];
        var fenceStart = section.IndexOf("```csharp", StringComparison.Ordinal) + "```csharp".Length;
        var fenceEnd = section.IndexOf("```", fenceStart, StringComparison.Ordinal);
        var shown = Normalize(section[fenceStart..fenceEnd].Split('\n'));

        Assert.Equal(compiled, shown);
    }

    /// <summary>Drops blank lines and indentation, which differ between a method body and a Markdown block.</summary>
    private static List<string> Normalize(IEnumerable<string> lines) =>
        [.. lines.Select(l => l.Trim()).Where(l => l.Length > 0)];

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sdk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Sdk.sln not found above " + AppContext.BaseDirectory);
    }
}
