using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Stagecraft.References;

namespace Stagecraft.TestChild;

/// <summary>
/// The reference tree a test build writes for a fingerprint: a pure function of the fingerprint (file set, nesting and
/// bytes all vary with it), so a checker can regenerate the exact tree a marker claims and compare.
/// </summary>
public static class ReferenceTreeContent
{
    /// <summary>Writes the tree for <paramref name="fingerprint"/> into <paramref name="directory"/> (which must exist).</summary>
    public static async Task WriteAsync(string directory, string fingerprint, CancellationToken cancellationToken = default)
    {
        foreach (var (relativePath, content) in Files(fingerprint))
        {
            var path = Path.Combine(directory, relativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, content, cancellationToken);
        }
    }

    /// <summary>Relative path (with <c>/</c>) and bytes of each file of the tree for <paramref name="fingerprint"/>.</summary>
    public static IEnumerable<(string RelativePath, byte[] Content)> Files(string fingerprint)
    {
        var seed = SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint));
        var count = 6 + (seed[0] % 10);
        for (var i = 0; i < count; i++)
        {
            // Names depend on the fingerprint too, so trees of two fingerprints differ in their file sets.
            var name = string.Create(CultureInfo.InvariantCulture, $"f{(seed[1 + (i % 30)] + i) % 24:D2}-{i}.bin");
            var relative = (seed[2 + (i % 29)] % 3) switch
            {
                0 => name,
                1 => "sub/" + name,
                _ => "sub/deep/" + name,
            };
            var size = 512 + ((seed[(i + 5) % 32] * 37) % 6000);
            var content = new byte[size];
            var block = SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{fingerprint}|{i}")));
            for (var b = 0; b < size; b++)
            {
                content[b] = block[b % block.Length];
            }

            yield return (relative, content);
        }
    }

    /// <summary>
    /// Null when <paramref name="keyDirectory"/> is exactly the tree of <paramref name="fingerprint"/> plus its marker
    /// (no missing, extra, changed or hidden file, no symbolic link, no empty directory); otherwise what differs.
    /// </summary>
    public static string? Explain(string keyDirectory, string fingerprint)
    {
        var expected = Files(fingerprint).ToDictionary(f => f.RelativePath, f => f.Content, StringComparer.Ordinal);
        expected[ReferenceFileNames.Marker] = Encoding.UTF8.GetBytes(fingerprint);
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var all = new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = true };
        foreach (var entry in new DirectoryInfo(keyDirectory).EnumerateFileSystemInfos("*", all))
        {
            var relative = Path.GetRelativePath(keyDirectory, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (entry.LinkTarget is not null)
            {
                problems.Add($"symbolic link {relative}");
            }
            else if (entry is DirectoryInfo d)
            {
                if (!d.EnumerateFileSystemInfos().Any())
                {
                    problems.Add($"empty directory {relative}");
                }
            }
            else if (!expected.TryGetValue(relative, out var content))
            {
                problems.Add($"extra file {relative}");
            }
            else
            {
                seen.Add(relative);
                if (!File.ReadAllBytes(entry.FullName).AsSpan().SequenceEqual(content))
                {
                    problems.Add($"wrong content in {relative}");
                }
            }
        }

        problems.AddRange(expected.Keys.Where(k => !seen.Contains(k)).Select(k => $"missing file {k}"));
        return problems.Count == 0 ? null : $"'{keyDirectory}' is not the tree of '{fingerprint}': {string.Join("; ", problems)}";
    }

    /// <summary>Throws when <paramref name="keyDirectory"/> is not exactly the tree of <paramref name="fingerprint"/> (see <see cref="Explain"/>).</summary>
    public static Task AssertTreeAsync(string keyDirectory, string fingerprint) =>
        Explain(keyDirectory, fingerprint) is { } problem ? throw new InvalidOperationException(problem) : Task.CompletedTask;

    /// <summary>
    /// Rule 1 over a whole root: for every key directory whose marker is present, the tree equals exactly the tree of
    /// the marker's fingerprint. Returns the violations (empty when the invariant holds).
    /// </summary>
    public static IReadOnlyList<string> FindRule1Violations(string root)
    {
        var violations = new List<string>();
        if (!Directory.Exists(root))
        {
            return violations;
        }

        foreach (var keyDirectory in Directory.EnumerateDirectories(root).Where(d => ReferenceKey.IsValid(Path.GetFileName(d))))
        {
            var marker = Path.Combine(keyDirectory, ReferenceFileNames.Marker);
            if (!File.Exists(marker))
            {
                continue;
            }

            var fingerprint = File.ReadAllText(marker);
            if (Explain(keyDirectory, fingerprint) is { } problem)
            {
                violations.Add(problem);
            }
        }

        return violations;
    }
}
