using System.Text;

namespace Stagecraft.Artifacts;

/// <summary>
/// Percent-encoding of URI path segments for <see cref="ArtifactUri"/>. The canonical form keeps RFC 3986
/// unreserved characters and <c>@</c> literal and encodes every other byte of the UTF-8 form as <c>%XX</c>
/// (upper-case), so formatting is deterministic and parsing undoes it exactly. Parsing also accepts a literal
/// <c>:</c> (a Windows drive, <c>file:///C:/…</c>, is written that way).
/// </summary>
internal static class ArtifactUriEncoding
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static bool IsCanonicalLiteral(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '.' or '_' or '~' or '@';

    private static bool IsLiteral(char c) => IsCanonicalLiteral(c) || c == ':';

    public static void AppendEncoded(StringBuilder sb, string segment)
    {
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in segment.EnumerateRunes())
        {
            if (rune.IsAscii && IsCanonicalLiteral((char)rune.Value))
            {
                sb.Append((char)rune.Value);
                continue;
            }

            // Segments are validated Unicode before formatting, so every rune encodes.
            var n = rune.EncodeToUtf8(utf8);
            for (var i = 0; i < n; i++)
            {
                sb.Append('%').Append(utf8[i].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>Decodes one path segment; returns the rule broken, or null on success.</summary>
    public static string? TryDecode(string encoded, out string decoded)
    {
        decoded = string.Empty;
        if (!encoded.Contains('%', StringComparison.Ordinal))
        {
            foreach (var c in encoded)
            {
                if (!IsLiteral(c))
                {
                    return DescribeIllegal(c);
                }
            }

            decoded = encoded;
            return null;
        }

        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '%')
            {
                if (i + 2 >= encoded.Length || !IsHex(encoded[i + 1]) || !IsHex(encoded[i + 2]))
                {
                    return $"'{Printable(encoded[i..Math.Min(encoded.Length, i + 3)])}' is not a valid percent-escape (expected %XX with two hex digits)";
                }

                bytes.Add((byte)((HexValue(encoded[i + 1]) << 4) | HexValue(encoded[i + 2])));
                i += 2;
            }
            else if (IsLiteral(c))
            {
                bytes.Add((byte)c);
            }
            else
            {
                return DescribeIllegal(c);
            }
        }

        try
        {
            decoded = StrictUtf8.GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            return $"the segment '{Printable(encoded)}' percent-decodes to invalid UTF-8";
        }

        return null;
    }

    /// <summary>Shows control characters escaped and long text shortened, so an error message stays on one readable line.</summary>
    public static string Printable(string text)
    {
        const int Max = 200;
        var sb = new StringBuilder(Math.Min(text.Length, Max) + 3);
        foreach (var c in text.Length > Max ? text[..Max] : text)
        {
            if (char.IsControl(c))
            {
                sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        if (text.Length > Max)
        {
            sb.Append("...");
        }

        return sb.ToString();
    }

    private static string DescribeIllegal(char c) => c switch
    {
        '?' or '#' => $"it has a query or fragment ('{c}'), which artefact URIs never carry",
        ' ' => "it contains a space, which must be percent-encoded as %20",
        _ when char.IsControl(c) => $"it contains the control character U+{(int)c:X4}",
        _ => $"it contains '{c}', which must be percent-encoded",
    };

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
