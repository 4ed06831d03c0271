using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Stagecraft.Local.Storage;

/// <summary>
/// Maps object keys to paths under the store's <c>objects</c> directory: one directory per key segment and one
/// file per object, so a prefix listing walks only the matching subtree.
/// </summary>
/// <remarks>
/// <para>
/// A segment is encoded to a name that means the same on every common file system: <c>a-z 0-9 . _ -</c> stay
/// as they are, an upper-case letter becomes <c>^</c> plus the lower-case letter (so case-insensitive file
/// systems keep <c>Model</c> and <c>model</c> apart), and every other character becomes <c>%XX</c> per UTF-8 byte
/// (ASCII-only names, so no Unicode normalisation by the file system).
/// </para>
/// <para>
/// An object file is its encoded last segment followed by <c>#</c>; a directory is the bare encoded segment.
/// Encoded segments never contain <c>#</c>, so the object <c>a</c> (<c>a#</c>) and the folder of <c>a/b</c> (<c>a</c>)
/// can coexist, as they can in Cloud Storage. Names holding <c>#</c> anywhere but at the end belong to the store.
/// </para>
/// <para>
/// A segment whose encoding is longer than <see cref="MaxPlainNameLength"/> (file names are limited to 255 bytes,
/// keys to 1024) is named <c>%%</c> plus a SHA-256 prefix of it instead. A hashed directory keeps its real
/// segment in a <see cref="SegmentFileName"/> file; a hashed object file is identified by the key in its header.
/// </para>
/// </remarks>
internal static class ObjectPathEncoding
{
    /// <summary>Marks an object file: the encoded segment plus this suffix.</summary>
    public const char ObjectSuffix = '#';

    /// <summary>Inside a hashed directory: the UTF-8 text of the segment it stands for.</summary>
    public const string SegmentFileName = "#segment";

    /// <summary>Longest encoded segment kept readable; longer ones are hashed.</summary>
    public const int MaxPlainNameLength = 160;

    public const string HashedPrefix = "%%";

    private static readonly SearchValues<char> PlainCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789._-");

    private static readonly SearchValues<char> PlainCharactersAndSlash = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789._-/");

    /// <summary>The path of the object file for <paramref name="key"/> (a valid key).</summary>
    public static string ObjectFilePath(string objectsRoot, string key)
    {
        // The common key, plain characters in segments of readable length, encodes segment by segment to itself: the path
        // is the key below the root (computed on every Get and Stat, so without splitting it into segments).
        if (IsPlainKey(key))
        {
            return Path.DirectorySeparatorChar == '/'
                ? string.Concat(objectsRoot, "/", key, "#")
                : string.Concat(objectsRoot, Path.DirectorySeparatorChar.ToString(), key.Replace('/', Path.DirectorySeparatorChar), "#");
        }

        var segments = key.Split('/');
        var parts = new string[segments.Length + 1];
        parts[0] = objectsRoot;
        for (var i = 0; i < segments.Length; i++)
        {
            parts[i + 1] = EncodeSegment(segments[i]);
        }

        parts[^1] += ObjectSuffix;
        return Path.Join(parts);
    }

    /// <summary>The encoded directories that lead from the objects root to <paramref name="key"/>'s file, outermost first.</summary>
    public static IEnumerable<(string Path, string Segment)> ParentDirectories(string objectsRoot, string key)
    {
        var segments = key.Split('/');
        var path = objectsRoot;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            path = Path.Join(path, EncodeSegment(segments[i]));
            yield return (path, segments[i]);
        }
    }

    /// <summary>True when every segment of <paramref name="key"/> is plain and at most <see cref="MaxPlainNameLength"/> long.</summary>
    private static bool IsPlainKey(string key)
    {
        var rest = key.AsSpan();
        if (rest.ContainsAnyExcept(PlainCharactersAndSlash))
        {
            return false;
        }

        while (true)
        {
            var slash = rest.IndexOf('/');
            var segment = slash < 0 ? rest : rest[..slash];
            if (segment.Length > MaxPlainNameLength)
            {
                return false;
            }

            if (slash < 0)
            {
                return true;
            }

            rest = rest[(slash + 1)..];
        }
    }

    public static string EncodeSegment(string segment)
    {
        // The common case, a segment of plain characters only, encodes to itself: no builder (a cost on every Get).
        if (segment.Length <= MaxPlainNameLength && !segment.AsSpan().ContainsAnyExcept(PlainCharacters))
        {
            return segment;
        }

        var sb = new StringBuilder(segment.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in segment.EnumerateRunes())
        {
            var v = rune.Value;
            if (v is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '_' or '-')
            {
                sb.Append((char)v);
            }
            else if (v is >= 'A' and <= 'Z')
            {
                sb.Append('^').Append((char)(v + ('a' - 'A')));
            }
            else
            {
                var n = rune.EncodeToUtf8(utf8);
                foreach (var b in utf8[..n])
                {
                    sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        return sb.Length <= MaxPlainNameLength ? sb.ToString() : HashedName(segment);
    }

    /// <summary>True when <paramref name="name"/> stands for a segment through its hash rather than its text.</summary>
    public static bool IsHashed(string name) => name.StartsWith(HashedPrefix, StringComparison.Ordinal);

    /// <summary>Decodes a plain (not hashed) encoded segment; null when <paramref name="name"/> is not one we produce.</summary>
    public static string? DecodeSegment(string name)
    {
        if (name.Length == 0 || IsHashed(name))
        {
            return null;
        }

        var bytes = ArrayPool<byte>.Shared.Rent(name.Length * 2);
        try
        {
            var count = 0;
            for (var i = 0; i < name.Length; i++)
            {
                var c = name[i];
                if (c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '_' or '-')
                {
                    bytes[count++] = (byte)c;
                }
                else if (c == '^' && i + 1 < name.Length && name[i + 1] is >= 'a' and <= 'z')
                {
                    bytes[count++] = (byte)(name[++i] - ('a' - 'A'));
                }
                else if (c == '%' && i + 2 < name.Length && IsUpperHex(name[i + 1]) && IsUpperHex(name[i + 2]))
                {
                    bytes[count++] = (byte)((HexValue(name[i + 1]) << 4) | HexValue(name[i + 2]));
                    i += 2;
                }
                else
                {
                    return null;
                }
            }

            try
            {
                return StrictUtf8.GetString(bytes, 0, count);
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static string HashedName(string segment)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(segment));
        return HashedPrefix + Convert.ToHexString(hash.AsSpan(0, 20));
    }

    private static bool IsUpperHex(char c) => c is >= '0' and <= '9' or >= 'A' and <= 'F';

    private static int HexValue(char c) => c <= '9' ? c - '0' : c - 'A' + 10;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
