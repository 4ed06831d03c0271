using Stagecraft.Testing;

namespace Stagecraft.Sdk.Generators.Tests.Support;

/// <summary>
/// Approved-file snapshots: <c>Snapshots/{name}.verified.cs</c> sits in git next to the tests; a mismatch writes
/// <c>{name}.received.cs</c> beside it (gitignored) and fails. Run with <c>STAGECRAFT_ACCEPT=1</c> to accept the
/// received text as the new verified file (review the diff before committing).
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "STAGECRAFT_ACCEPT";

    public static void Verify(string actual, string name)
    {
        var directory = RepositoryLayout.Combine("tests", "Stagecraft.Sdk.Generators.Tests", "Snapshots");
        var verified = Path.Combine(directory, name + ".verified.cs");
        var received = Path.Combine(directory, name + ".received.cs");
        actual = Normalize(actual);

        var expected = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"No snapshot {verified} yet. Review {received}, then rerun with {AcceptVariable}=1 to accept it."
            : $"Snapshot {name} differs at line {FirstDifferentLine(expected, actual)}. Compare {verified} with {received}; rerun with {AcceptVariable}=1 to accept.");
    }

    /// <summary>The generator's version (in <c>[GeneratedCode]</c>) changes with every release; snapshots show a placeholder.</summary>
    private static readonly string GeneratorVersion =
        $"\"{typeof(Stagecraft.Generators.Pipelines.PipelineGenerator).Assembly.GetName().Version}\")]";

    /// <summary>
    /// Code hashes cover the referenced assemblies' identities and MVIDs (here: the running framework's), so they change
    /// with the machine's .NET runtime; snapshots show a placeholder, and the hash tests check the values.
    /// </summary>
    private static readonly System.Text.RegularExpressions.Regex CodeHash = new("\"[0-9a-f]{64}\"", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static string Normalize(string text) =>
        CodeHash.Replace(
            text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace(GeneratorVersion, "\"{generator-version}\")]", StringComparison.Ordinal),
            "\"{code-hash}\"");

    private static int FirstDifferentLine(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Min(e.Length, a.Length); i++)
        {
            if (e[i] != a[i])
            {
                return i + 1;
            }
        }

        return Math.Min(e.Length, a.Length) + 1;
    }
}
