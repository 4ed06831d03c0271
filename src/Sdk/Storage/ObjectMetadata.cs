using System.Text;

namespace Stagecraft.Storage;

/// <summary>
/// The one place that decides what user metadata an object may carry: non-empty keys without control
/// characters, non-null values, and at most <see cref="MaxUtf8Bytes"/> UTF-8 bytes of keys and values in
/// total (Cloud Storage's limit for custom metadata).
/// </summary>
public static class ObjectMetadata
{
    /// <summary>Cloud Storage's limit on the total size of custom metadata keys and values.</summary>
    public const int MaxUtf8Bytes = 8 * 1024;

    /// <summary>Throws <see cref="ArgumentException"/> naming the entry and the broken rule.</summary>
    public static void Validate(IReadOnlyDictionary<string, string>? metadata, string paramName = "metadata")
    {
        if (metadata is null)
        {
            return;
        }

        var total = 0;
        foreach (var (key, value) in metadata)
        {
            if (string.IsNullOrEmpty(key))
            {
                throw new ArgumentException("Invalid object metadata: a key is empty.", paramName);
            }

            foreach (var c in key)
            {
                if (char.IsControl(c))
                {
                    throw new ArgumentException($"Invalid object metadata key '{key.ReplaceLineEndings(" ")}': it contains the control character U+{(int)c:X4}.", paramName);
                }
            }

            if (value is null)
            {
                throw new ArgumentException($"Invalid object metadata '{key}': the value is null.", paramName);
            }

            total += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value);
        }

        if (total > MaxUtf8Bytes)
        {
            throw new ArgumentException($"Invalid object metadata: keys and values are {total} UTF-8 bytes in total, more than {MaxUtf8Bytes}.", paramName);
        }
    }
}
