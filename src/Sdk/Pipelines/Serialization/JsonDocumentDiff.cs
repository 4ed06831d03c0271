using System.Globalization;
using System.Text.Json;

namespace Stagecraft.Pipelines;

/// <summary>Finds where two JSON documents first differ, as a JSON path (<c>$.Weights[2]</c>).</summary>
internal static class JsonDocumentDiff
{
    /// <summary>The path of the first difference in document order, or null when the documents are equal.</summary>
    public static string? FirstDifference(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        var expectedReader = new Utf8JsonReader(expected);
        var actualReader = new Utf8JsonReader(actual);
        using var a = JsonDocument.ParseValue(ref expectedReader);
        using var b = JsonDocument.ParseValue(ref actualReader);
        return FirstDifference(a.RootElement, b.RootElement, "$");
    }

    public static string? FirstDifference(JsonElement expected, JsonElement actual, string path)
    {
        if (expected.ValueKind != actual.ValueKind)
        {
            return path;
        }

        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                using (var left = expected.EnumerateObject())
                using (var right = actual.EnumerateObject())
                {
                    while (true)
                    {
                        var hasLeft = left.MoveNext();
                        var hasRight = right.MoveNext();
                        if (!hasLeft && !hasRight)
                        {
                            return null;
                        }

                        if (!hasLeft || !hasRight || left.Current.Name != right.Current.Name)
                        {
                            return Member(path, hasLeft ? left.Current.Name : right.Current.Name);
                        }

                        if (FirstDifference(left.Current.Value, right.Current.Value, Member(path, left.Current.Name)) is { } inner)
                        {
                            return inner;
                        }
                    }
                }

            case JsonValueKind.Array:
                var expectedLength = expected.GetArrayLength();
                var actualLength = actual.GetArrayLength();
                for (var i = 0; i < Math.Max(expectedLength, actualLength); i++)
                {
                    var element = string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]");
                    if (i >= expectedLength || i >= actualLength)
                    {
                        return element;
                    }

                    if (FirstDifference(expected[i], actual[i], element) is { } inner)
                    {
                        return inner;
                    }
                }

                return null;

            default:
                return expected.GetRawText() == actual.GetRawText() ? null : path;
        }
    }

    private static string Member(string path, string name) =>
        name.Length > 0 && (char.IsLetter(name[0]) || name[0] == '_') && name.All(c => char.IsLetterOrDigit(c) || c == '_')
            ? path + "." + name
            : path + "['" + name.Replace("'", "\\'", StringComparison.Ordinal) + "']";
}
