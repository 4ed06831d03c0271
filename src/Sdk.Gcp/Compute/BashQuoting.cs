using System.Text;

namespace Stagecraft.Gcp.Compute;

/// <summary>
/// The one shell quoter of the Compute Engine adapter: every value, image, argument and object key that enters a
/// generated script goes through <see cref="Quote"/>. (The local backend needs none: it passes everything as positional
/// parameters.) A seed interpolated unquoted environment keys into a startup script; this type is the cure.
/// </summary>
internal static class BashQuoting
{
    /// <summary>
    /// Quotes <paramref name="value"/> as one bash word that expands to exactly these characters: single quotes around
    /// everything, each embedded <c>'</c> written as <c>'\''</c>. Newlines, <c>$()</c>, backticks and unicode survive
    /// byte for byte; only NUL cannot be represented in a shell word and is rejected.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> contains a NUL character.</exception>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A shell word cannot contain a NUL character.", nameof(value));
        }

        var builder = new StringBuilder(value.Length + 2);
        builder.Append('\'');
        foreach (var c in value)
        {
            if (c == '\'')
            {
                builder.Append("'\\''");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append('\'').ToString();
    }

    /// <summary>Quotes each word and joins them with spaces.</summary>
    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    /// <summary>
    /// A bash assignment <c>name=value</c> with <paramref name="name"/> checked against <see cref="Runs.EnvironmentVariableName"/>
    /// (never quoted: a name that would need quoting is invalid) and the value quoted.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid variable name.</exception>
    public static string Assignment(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Runs.EnvironmentVariableName.IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a valid shell variable name (must match {Runs.EnvironmentVariableName.Pattern}).", nameof(name));
        }

        return name + "=" + Quote(value);
    }
}
