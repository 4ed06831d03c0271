using Stagecraft.Storage;

namespace Stagecraft.Snapshots;

/// <summary>The naming rules of snapshot content, shared by the builder and the reader.</summary>
internal static class SnapshotRules
{
    public const int MaxNameLength = 256;

    /// <summary>Stage names, parameter names, configuration keys: 1–256 characters, no control characters.</summary>
    public static string? CheckName(string value)
    {
        if (value.Length is 0 or > MaxNameLength)
        {
            return $"it must be 1 to {MaxNameLength} characters long (got {value.Length})";
        }

        return value.Any(char.IsControl) ? "it must not contain control characters" : null;
    }

    /// <summary>File names are relative <c>/</c>-separated paths with the rules of <see cref="ObjectKey"/>.</summary>
    public static string? CheckFileName(string name) =>
        ObjectKey.IsValid(name) ? null : "it must be a relative '/'-separated path without empty, '.' or '..' segments or control characters";

    public static string ValidateName(string value, string kind, string paramName)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        return CheckName(value) is { } rule ? throw new ArgumentException($"Invalid snapshot {kind} '{value}': {rule}.", paramName) : value;
    }

    public static string ValidateFileName(string name, string paramName)
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        return CheckFileName(name) is { } rule ? throw new ArgumentException($"Invalid snapshot file name '{name}': {rule}.", paramName) : name;
    }

    /// <summary>Checks the limits on a complete content; the reader also checks them incrementally while it reads.</summary>
    public static void CheckLimits(SnapshotLimits limits, string stageName, IReadOnlyDictionary<string, string> parameters, IReadOnlyDictionary<string, string> configuration, IReadOnlyDictionary<string, byte[]> files)
    {
        var entries = parameters.Count + configuration.Count;
        if (entries > limits.MaxEntries)
        {
            throw new SnapshotLimitExceededException("entry count", limits.MaxEntries, entries, $"Raise {nameof(SnapshotLimits)}.{nameof(SnapshotLimits.MaxEntries)}.");
        }

        long text = Utf8(stageName) + parameters.Sum(p => (long)Utf8(p.Key) + Utf8(p.Value)) + configuration.Sum(c => (long)Utf8(c.Key) + Utf8(c.Value)) + files.Keys.Sum(k => (long)Utf8(k));
        if (text > limits.MaxTextBytes)
        {
            throw new SnapshotLimitExceededException("text size", limits.MaxTextBytes, text, $"Raise {nameof(SnapshotLimits)}.{nameof(SnapshotLimits.MaxTextBytes)}, or move large values into files.");
        }

        if (files.Count > limits.MaxFiles)
        {
            throw new SnapshotLimitExceededException("file count", limits.MaxFiles, files.Count, $"Raise {nameof(SnapshotLimits)}.{nameof(SnapshotLimits.MaxFiles)}.");
        }

        long total = 0;
        foreach (var (name, content) in files)
        {
            CheckFileSize(limits, name, content.Length);
            total += content.Length;
        }

        CheckTotalFileSize(limits, total);
    }

    public static void CheckFileSize(SnapshotLimits limits, string name, long size)
    {
        if (size > limits.MaxFileBytes)
        {
            throw new SnapshotLimitExceededException($"file size of '{name}'", limits.MaxFileBytes, size, $"Snapshots carry small files; put large inputs in object storage, or raise {nameof(SnapshotLimits)}.{nameof(SnapshotLimits.MaxFileBytes)}.");
        }
    }

    public static void CheckTotalFileSize(SnapshotLimits limits, long total)
    {
        if (total > limits.MaxTotalFileBytes)
        {
            throw new SnapshotLimitExceededException("total file size", limits.MaxTotalFileBytes, total, $"Raise {nameof(SnapshotLimits)}.{nameof(SnapshotLimits.MaxTotalFileBytes)}.");
        }
    }

    private static int Utf8(string s) => System.Text.Encoding.UTF8.GetByteCount(s);
}
