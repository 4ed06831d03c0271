using System.Diagnostics.CodeAnalysis;
using System.Text;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Artifacts;

/// <summary>
/// The one type that formats and parses artefact URIs. An artefact is a file a run wrote under its outputs, so a URI
/// names a storage <see cref="Root"/>, the <see cref="RunId"/> and the artefact's <see cref="Name"/> (a relative path):
/// <list type="bullet">
/// <item><c>gs://{bucket}[/{prefix}]/runs/{runId}/outputs/{name}</c></item>
/// <item><c>file:///{absolute root}/runs/{runId}/outputs/{name}</c></item>
/// </list>
/// The part after the root is <see cref="RunPaths.Output(string)"/>, so a URI points at exactly the object the run wrote.
/// </summary>
/// <remarks>
/// Parsing is strict: placeholders (<c>&lt;none&gt;</c>, <c>TBD</c>, empty, …), relative paths, unknown schemes, query
/// strings and bad run ids are <see cref="ArtifactUriFormatException"/>s naming the text. A root may not contain a
/// <c>runs</c> segment, which keeps the split between root and run unambiguous, so <c>Parse(uri.ToString())</c>
/// always equals <c>uri</c>.
/// </remarks>
public sealed class ArtifactUri : IEquatable<ArtifactUri>, IParsable<ArtifactUri>
{
    /// <summary>The scheme of Cloud Storage URIs.</summary>
    public const string GcsScheme = "gs";

    /// <summary>The scheme of local-root URIs.</summary>
    public const string FileScheme = "file";

    internal static readonly string ExpectedForms =
        $"'gs://{{bucket}}[/{{prefix}}]/{RunPaths.RootPrefix}{{runId}}/outputs/{{name}}' or 'file:///{{absolute root}}/{RunPaths.RootPrefix}{{runId}}/outputs/{{name}}'";

    private const int MaxBucketLength = 63;

    // Strings people put in an artefact column when there is no artefact yet; one crashed a planning step in a seed.
    private static readonly HashSet<string> Placeholders = new(StringComparer.OrdinalIgnoreCase)
    {
        "none", "null", "nil", "tbd", "todo", "n/a", "na", "-", "?", "placeholder", "unknown", "undefined", "missing", "empty",
    };

    private readonly string _text;

    private ArtifactUri(ArtifactUriScheme scheme, string root, string runId, string name)
    {
        Scheme = scheme;
        Root = root;
        RunId = runId;
        Name = name;
        _text = Format(scheme, root, runId, name);
    }

    /// <summary>Where the artefact lives.</summary>
    public ArtifactUriScheme Scheme { get; }

    /// <summary>
    /// The storage root: <c>bucket</c> or <c>bucket/prefix</c> for Cloud Storage; an absolute directory with <c>/</c>
    /// separators (<c>/data/store</c>, <c>C:/store</c>) for files. Never ends with <c>/</c> (except the file-system root <c>/</c>).
    /// </summary>
    public string Root { get; }

    /// <summary>The run that produced the artefact (a valid <see cref="Runs.RunId"/>).</summary>
    public string RunId { get; }

    /// <summary>The artefact's path under the run's outputs, e.g. <c>model/weights.bin</c>.</summary>
    public string Name { get; }

    /// <summary>For Cloud Storage, the bucket; for files, null.</summary>
    public string? Bucket => Scheme == ArtifactUriScheme.GoogleCloudStorage ? SplitGcsRoot(Root).Bucket : null;

    /// <summary>The object key relative to the root: <c>runs/{runId}/outputs/{name}</c>, built by <see cref="RunPaths"/>.</summary>
    public string ObjectKey => new RunPaths(RunId).Output(Name);

    /// <summary>The object key relative to the bucket (Cloud Storage only: includes the prefix), or relative to <see cref="Root"/> for files.</summary>
    public string StorageKey => Scheme == ArtifactUriScheme.GoogleCloudStorage && SplitGcsRoot(Root).Prefix is { } prefix
        ? Storage.ObjectKey.Join(prefix, ObjectKey)
        : ObjectKey;

    /// <summary>A Cloud Storage artefact URI.</summary>
    /// <param name="bucket">The bucket, optionally followed by <c>/prefix</c> under which the store keeps its objects.</param>
    /// <param name="runId">The producing run.</param>
    /// <param name="name">The artefact's path under the run's outputs.</param>
    /// <exception cref="ArgumentException">A part breaks its rule; the message names the value and the rule.</exception>
    public static ArtifactUri ForGcs(string bucket, string runId, string name)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        if (ValidateGcsRoot(bucket) is { } rule)
        {
            throw new ArgumentException($"Invalid Cloud Storage root '{ArtifactUriEncoding.Printable(bucket)}': {rule}.", nameof(bucket));
        }

        return new ArtifactUri(ArtifactUriScheme.GoogleCloudStorage, bucket, Runs.RunId.Validate(runId), ValidateName(name));
    }

    /// <summary>A local-root artefact URI.</summary>
    /// <param name="rootDirectory">The absolute directory that is the object store's root.</param>
    /// <param name="runId">The producing run.</param>
    /// <param name="name">The artefact's path under the run's outputs.</param>
    /// <exception cref="ArgumentException">A part breaks its rule; the message names the value and the rule.</exception>
    public static ArtifactUri ForFile(string rootDirectory, string runId, string name)
    {
        ArgumentNullException.ThrowIfNull(rootDirectory);
        var root = NormalizeFileRoot(rootDirectory);
        if (ValidateFileRoot(root) is { } rule)
        {
            throw new ArgumentException($"Invalid file root '{ArtifactUriEncoding.Printable(rootDirectory)}': {rule}.", nameof(rootDirectory));
        }

        return new ArtifactUri(ArtifactUriScheme.File, root, Runs.RunId.Validate(runId), ValidateName(name));
    }

    /// <summary>The same root and run, another artefact name.</summary>
    public ArtifactUri WithName(string name) => new(Scheme, Root, RunId, ValidateName(name));

    /// <summary>Parses an artefact URI; throws <see cref="ArtifactUriFormatException"/> naming the text and the rule.</summary>
    public static ArtifactUri Parse(string text) =>
        TryParseCore(text, out var uri) is { } error ? throw error : uri!;

    /// <inheritdoc cref="Parse(string)"/>
    public static ArtifactUri Parse(string s, IFormatProvider? provider) => Parse(s);

    /// <summary>Parses an artefact URI; false (and null) when <paramref name="text"/> is not one.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out ArtifactUri? result)
    {
        if (text is null)
        {
            result = null;
            return false;
        }

        return TryParseCore(text, out result) is null;
    }

    /// <inheritdoc cref="TryParse(string?, out ArtifactUri?)"/>
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out ArtifactUri result) =>
        TryParse(s, out result);

    /// <summary>The canonical URI text; <see cref="Parse(string)"/> of it returns an equal value.</summary>
    public override string ToString() => _text;

    public bool Equals(ArtifactUri? other) => other is not null && string.Equals(_text, other._text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is ArtifactUri other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_text);

    public static bool operator ==(ArtifactUri? left, ArtifactUri? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(ArtifactUri? left, ArtifactUri? right) => !(left == right);

    private static ArtifactUriFormatException? TryParseCore(string text, out ArtifactUri? result)
    {
        ArgumentNullException.ThrowIfNull(text);
        result = null;
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            return new ArtifactUriFormatException(text, "it is empty or blank (an artefact must have a real location)");
        }

        if (Placeholders.Contains(trimmed) || (trimmed.StartsWith('<') && trimmed.EndsWith('>')) || trimmed.Contains("placeholder", StringComparison.OrdinalIgnoreCase))
        {
            return new ArtifactUriFormatException(text, "it is a placeholder, not the location of an artefact (register the model once its artefact exists)");
        }

        if (trimmed.Length != text.Length)
        {
            return new ArtifactUriFormatException(text, "it has leading or trailing whitespace");
        }

        var colon = text.IndexOf("://", StringComparison.Ordinal);
        if (colon <= 0)
        {
            return new ArtifactUriFormatException(text, "it has no scheme (a relative path or bare name is not a location)");
        }

        var scheme = text[..colon];
        var rest = text[(colon + 3)..];
        if (string.Equals(scheme, GcsScheme, StringComparison.OrdinalIgnoreCase))
        {
            return ParseParts(text, ArtifactUriScheme.GoogleCloudStorage, rest, out result);
        }

        if (string.Equals(scheme, FileScheme, StringComparison.OrdinalIgnoreCase))
        {
            if (!rest.StartsWith('/'))
            {
                return new ArtifactUriFormatException(text, "a file URI must have an empty host and an absolute path ('file:///…')");
            }

            return ParseParts(text, ArtifactUriScheme.File, rest[1..], out result);
        }

        return new ArtifactUriFormatException(text, $"the scheme '{ArtifactUriEncoding.Printable(scheme)}' is not supported (use '{GcsScheme}' or '{FileScheme}')");
    }

    private static ArtifactUriFormatException? ParseParts(string text, ArtifactUriScheme scheme, string path, out ArtifactUri? result)
    {
        result = null;
        var raw = path.Split('/');
        var segments = new string[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            if (ArtifactUriEncoding.TryDecode(raw[i], out segments[i]) is { } rule)
            {
                return new ArtifactUriFormatException(text, rule);
            }
        }

        // The bucket is always the first segment (a bucket may be called "runs"); a root never contains a "runs" segment.
        var runsMarker = RunPaths.RootPrefix.TrimEnd('/');
        var searchFrom = scheme == ArtifactUriScheme.GoogleCloudStorage ? 1 : 0;
        var runsAt = Array.IndexOf(segments, runsMarker, searchFrom);
        if (runsAt < 0 || runsAt + 1 >= segments.Length)
        {
            return new ArtifactUriFormatException(text, $"it has no '{RunPaths.RootPrefix}{{runId}}/' part after the root");
        }

        var runId = segments[runsAt + 1];
        if (!Runs.RunId.IsValid(runId))
        {
            try
            {
                Runs.RunId.Validate(runId);
            }
            catch (ArgumentException ex)
            {
                return new ArtifactUriFormatException(text, $"the run id '{ArtifactUriEncoding.Printable(runId)}' is invalid ({ex.Message})", ex);
            }
        }

        var paths = new RunPaths(runId);
        var keyUnderRoot = string.Join('/', segments, runsAt, segments.Length - runsAt);
        if (!keyUnderRoot.StartsWith(paths.OutputsPrefix, StringComparison.Ordinal) || keyUnderRoot.Length == paths.OutputsPrefix.Length)
        {
            return new ArtifactUriFormatException(text, $"after the run id it must continue with '{paths.OutputsPrefix[paths.Root.Length..]}{{name}}'");
        }

        var name = keyUnderRoot[paths.OutputsPrefix.Length..];
        try
        {
            Storage.ObjectKey.Validate(name, "name");
        }
        catch (ArgumentException ex)
        {
            return new ArtifactUriFormatException(text, $"the artefact name is invalid ({ex.Message})", ex);
        }

        var root = string.Join('/', segments, 0, runsAt);
        string? rootRule;
        if (scheme == ArtifactUriScheme.GoogleCloudStorage)
        {
            rootRule = ValidateGcsRoot(root);
        }
        else
        {
            // file:///runs/... has the file-system root as its root; file:///C:/x/... is a Windows drive path
            // (only when the colon is literal: "C%3A" is a Unix directory called "C:").
            var isDrive = runsAt > 0 && raw[0].Length == 2 && IsDrivePath(raw[0]);
            root = isDrive ? NormalizeFileRoot(root) : "/" + root;
            rootRule = ValidateFileRoot(root);
        }

        if (rootRule is not null)
        {
            return new ArtifactUriFormatException(text, $"the root '{ArtifactUriEncoding.Printable(root)}' is invalid: {rootRule}");
        }

        result = new ArtifactUri(scheme, root, runId, name);
        return null;
    }

    private static string Format(ArtifactUriScheme scheme, string root, string runId, string name)
    {
        var sb = new StringBuilder(16 + root.Length + runId.Length + name.Length);
        string rootPath;
        if (scheme == ArtifactUriScheme.GoogleCloudStorage)
        {
            sb.Append(GcsScheme).Append("://");
            rootPath = root;
        }
        else
        {
            sb.Append(FileScheme).Append(":///");
            rootPath = root.TrimStart('/');
            if (IsDrivePath(root))
            {
                // The drive letter and its colon stay literal, as every file-URI consumer expects ("file:///C:/…").
                sb.Append(rootPath, 0, 2).Append('/');
                rootPath = rootPath[2..];
            }
        }

        foreach (var segment in rootPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            ArtifactUriEncoding.AppendEncoded(sb, segment);
            sb.Append('/');
        }

        foreach (var segment in new RunPaths(runId).Output(name).Split('/'))
        {
            ArtifactUriEncoding.AppendEncoded(sb, segment);
            sb.Append('/');
        }

        sb.Length--;
        return sb.ToString();
    }

    private static string ValidateName(string name)
    {
        Storage.ObjectKey.Validate(name, nameof(name));
        return name;
    }

    private static string? ValidateGcsRoot(string root)
    {
        var (bucket, prefix) = SplitGcsRoot(root);
        if (bucket.Length is < 3 or > MaxBucketLength)
        {
            return $"the bucket name must be 3 to {MaxBucketLength} characters (got {bucket.Length})";
        }

        foreach (var c in bucket)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.'))
            {
                return "a bucket name has only lower-case letters, digits, '-', '_' and '.'";
            }
        }

        if (!char.IsAsciiLetterOrDigit(bucket[0]) || !char.IsAsciiLetterOrDigit(bucket[^1]))
        {
            return "a bucket name starts and ends with a letter or digit";
        }

        return prefix is null ? null : ValidateRootSegments(prefix.Split('/'));
    }

    private static (string Bucket, string? Prefix) SplitGcsRoot(string root)
    {
        var slash = root.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (root, null) : (root[..slash], root[(slash + 1)..]);
    }

    private static string NormalizeFileRoot(string rootDirectory)
    {
        var root = rootDirectory.Replace('\\', '/');
        while (root.Length > 1 && root.EndsWith('/'))
        {
            root = root[..^1];
        }

        // A bare drive ("C:") means the drive's current directory on Windows; the root of a drive is "C:/".
        return root.Length == 2 && IsDrivePath(root) ? root + "/" : root;
    }

    private static string? ValidateFileRoot(string root)
    {
        if (IsDrivePath(root))
        {
            var rest = root[2..].Trim('/');
            return rest.Length == 0 ? null : ValidateRootSegments(rest.Split('/'));
        }

        if (!root.StartsWith('/'))
        {
            return "it must be an absolute path";
        }

        return root.Length == 1 ? null : ValidateRootSegments(root[1..].Split('/'));
    }

    private static string? ValidateRootSegments(string[] segments)
    {
        foreach (var segment in segments)
        {
            if (!Storage.ObjectKey.IsValid(segment) || segment.Contains('/', StringComparison.Ordinal))
            {
                return $"the segment '{ArtifactUriEncoding.Printable(segment)}' is empty, '.', '..' or has control characters";
            }

            if (string.Equals(segment, RunPaths.RootPrefix.TrimEnd('/'), StringComparison.Ordinal))
            {
                return $"it contains a '{segment}' segment, which would make the run part of the URI ambiguous";
            }
        }

        return null;
    }

    private static bool IsDrivePath(string root) =>
        root.Length >= 2 && char.IsAsciiLetter(root[0]) && root[1] == ':' && (root.Length == 2 || root[2] == '/');
}
