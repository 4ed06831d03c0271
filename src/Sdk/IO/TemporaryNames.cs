using System.Globalization;

namespace Stagecraft.IO;

/// <summary>
/// The one place that names AtomicFile's siblings: hidden (dot-prefixed), marked with <c>.stagecraft-</c>
/// and a kind, so a crashed writer's leftovers are recognisable and cleanable and never collide with real files.
/// </summary>
internal static class TemporaryNames
{
    public const string FileSuffix = ".stagecraft-tmp";
    public const string AsideMarker = ".stagecraft-aside-";
    public const string StagingMarker = ".stagecraft-staging-";
    public const string TrashMarker = ".stagecraft-trash-";

    // Leave room for the decorations inside the common 255-byte name limit.
    private const int MaxEmbeddedNameLength = 150;

    /// <summary>
    /// <c>.{name}.{token}.stagecraft-tmp</c> beside <paramref name="fullPath"/>. The first attempt's token is
    /// this process's id, so repeated replaces of one file reuse one directory-entry name instead of churning
    /// the directory with a fresh name per write; collisions (a concurrent writer in this process, or a
    /// leftover of a dead process with a reused pid) retry with random tokens.
    /// </summary>
    public static string TemporaryFileFor(string fullPath, int attempt) =>
        Sibling(fullPath, $".{(attempt == 0 ? ProcessToken : RandomToken())}{FileSuffix}");

    /// <summary><c>.{name}.stagecraft-aside-{utc ticks}-{random}</c>; ticks order several asides by age.</summary>
    public static string AsideFor(string fullPath) =>
        Sibling(fullPath, $"{AsideMarker}{DateTime.UtcNow.Ticks.ToString("D19", CultureInfo.InvariantCulture)}-{RandomToken()}");

    /// <summary><c>.{name}.stagecraft-trash-{random}</c>: a tree being deleted, never restored.</summary>
    public static string TrashFor(string fullPath) =>
        Sibling(fullPath, $"{TrashMarker}{RandomToken()}");

    /// <summary><c>.{name}.stagecraft-staging-{random}</c>.</summary>
    public static string StagingFor(string fullPath) =>
        Sibling(fullPath, $"{StagingMarker}{RandomToken()}");

    /// <summary>The aside-name prefix for <paramref name="fullPath"/>, to find its asides.</summary>
    public static string AsidePrefixFor(string fullPath) => "." + Embedded(Path.GetFileName(fullPath)) + AsideMarker;

    /// <summary>The trash-name prefix for <paramref name="fullPath"/>, to find its half-deleted trees.</summary>
    public static string TrashPrefixFor(string fullPath) => "." + Embedded(Path.GetFileName(fullPath)) + TrashMarker;

    /// <summary>The staging-name prefix for <paramref name="fullPath"/>, to find its staging trees.</summary>
    public static string StagingPrefixFor(string fullPath) => "." + Embedded(Path.GetFileName(fullPath)) + StagingMarker;

    /// <summary>
    /// The id of the process that created the temporary file <paramref name="fileName"/>, when its token names one
    /// (<c>.{name}.p{pid}.stagecraft-tmp</c>; random tokens name nobody).
    /// </summary>
    public static bool TryGetOwnerProcessId(string fileName, out int processId)
    {
        processId = 0;
        if (!IsTemporaryFile(fileName))
        {
            return false;
        }

        var body = fileName.AsSpan(0, fileName.Length - FileSuffix.Length);
        var dot = body.LastIndexOf('.');
        return dot >= 0 && body[(dot + 1)..] is ['p', .. var digits] && digits.Length > 0 && !digits.ContainsAnyExceptInRange('0', '9')
            && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out processId);
    }

    public static bool IsTemporaryFile(string fileName) =>
        fileName.StartsWith('.') && fileName.EndsWith(FileSuffix, StringComparison.Ordinal);

    public static bool IsStagingDirectory(string name) =>
        name.StartsWith('.') && name.Contains(StagingMarker, StringComparison.Ordinal);

    public static bool IsAside(string name) =>
        name.StartsWith('.') && (name.Contains(AsideMarker, StringComparison.Ordinal) || name.Contains(TrashMarker, StringComparison.Ordinal));

    private static string Sibling(string fullPath, string decoration)
    {
        var directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"Path '{fullPath}' has no parent directory.", nameof(fullPath));
        return Path.Combine(directory, "." + Embedded(Path.GetFileName(fullPath)) + decoration);
    }

    private static string Embedded(string name) => name.Length <= MaxEmbeddedNameLength ? name : name[..MaxEmbeddedNameLength];

    private static readonly string ProcessToken = "p" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    // Uniqueness, not secrecy: creators use O_EXCL and retry on a collision.
    private static string RandomToken() =>
        Random.Shared.NextInt64(1L << 48).ToString("x12", CultureInfo.InvariantCulture);
}
