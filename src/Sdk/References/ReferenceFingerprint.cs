namespace Stagecraft.References;

/// <summary>
/// The one validator of reference fingerprints: the text written to <see cref="ReferenceFileNames.Marker"/>. Any
/// stable string the caller derives from the reference's inputs (a hash, a version tag), 1 to
/// <see cref="MaxLength"/> characters, no control characters (so it stays one line), no leading or trailing white space.
/// </summary>
public static class ReferenceFingerprint
{
    /// <summary>The longest fingerprint, in UTF-16 characters.</summary>
    public const int MaxLength = 1024;

    /// <summary>
    /// The largest marker file that can hold a valid fingerprint: <see cref="MaxLength"/> UTF-16 characters are at most
    /// three UTF-8 bytes each (a surrogate pair is two characters and four bytes), plus a line ending.
    /// </summary>
    public const int MaxMarkerFileBytes = (MaxLength * 3) + 2;

    /// <summary>Returns <paramref name="fingerprint"/> when valid; otherwise throws <see cref="ArgumentException"/> naming it and the rule.</summary>
    public static string Validate(string fingerprint, string paramName = "fingerprint")
    {
        ArgumentNullException.ThrowIfNull(fingerprint, paramName);
        if (Explain(fingerprint) is { } rule)
        {
            var shown = fingerprint.Length > 80 ? fingerprint[..80] + "..." : fingerprint;
            throw new ArgumentException($"Invalid reference fingerprint '{shown.ReplaceLineEndings(" ")}': {rule}.", paramName);
        }

        return fingerprint;
    }

    /// <summary>Whether <paramref name="fingerprint"/> is valid.</summary>
    public static bool IsValid(string? fingerprint) => fingerprint is not null && Explain(fingerprint) is null;

    /// <summary>Null when valid, otherwise the rule broken.</summary>
    public static string? Explain(string? fingerprint)
    {
        if (fingerprint is null)
        {
            return "it must not be null";
        }

        if (fingerprint.Length is 0 or > MaxLength)
        {
            return $"it must be 1 to {MaxLength} characters long (got {fingerprint.Length})";
        }

        foreach (var c in fingerprint)
        {
            if (char.IsControl(c))
            {
                return $"it contains the control character U+{(int)c:X4}";
            }
        }

        if (char.IsWhiteSpace(fingerprint[0]) || char.IsWhiteSpace(fingerprint[^1]))
        {
            return "it must not start or end with white space";
        }

        return null;
    }
}
