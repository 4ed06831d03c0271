namespace Stagecraft.Testing;

/// <summary>
/// Finds files of this repository from a running test. Walks up from the test assembly's directory to the folder
/// holding <c>Sdk.sln</c>, because <c>[CallerFilePath]</c> is useless here: CI builds set
/// <c>ContinuousIntegrationBuild</c>, which maps source paths to <c>/_/</c>.
/// </summary>
public static class RepositoryLayout
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The repository root (the directory that holds <c>Sdk.sln</c>).</summary>
    public static string Root => RootPath.Value;

    /// <summary>A path under the repository root, from '/'-free segments.</summary>
    public static string Combine(params string[] segments) => Path.Combine([Root, .. segments]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Sdk.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Sdk.sln above '{AppContext.BaseDirectory}': tests must run from a build inside the repository.");
    }
}
