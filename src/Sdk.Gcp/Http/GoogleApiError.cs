using System.Text.Json;

namespace Stagecraft.Gcp.Http;

/// <summary>
/// The error document Google's JSON APIs return with a 4xx/5xx status:
/// <c>{"error":{"code":412,"message":"...","errors":[{"domain":"global","reason":"conditionNotMet","message":"..."}]}}</c>.
/// </summary>
/// <param name="Code">The HTTP status the server put in the document.</param>
/// <param name="Message">The top-level human-readable message.</param>
/// <param name="Errors">The individual errors; the first one's <see cref="GoogleApiErrorItem.Reason"/> is the machine-readable cause.</param>
public sealed record GoogleApiError(int Code, string Message, IReadOnlyList<GoogleApiErrorItem> Errors)
{
    /// <summary>The first error's reason (e.g. <c>notFound</c>, <c>conditionNotMet</c>, <c>rateLimitExceeded</c>), if any.</summary>
    public string? Reason => Errors.Count > 0 ? Errors[0].Reason : null;

    /// <summary>
    /// Parses an error body. Returns <see langword="null"/> when the body is not Google's error JSON
    /// (a proxy's HTML page, an empty body), so callers can fall back to the status line.
    /// </summary>
    internal static GoogleApiError? TryParse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("error", out var error)
                || error.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var code = error.TryGetProperty("code", out var c) && c.TryGetInt32(out var parsed) ? parsed : 0;
            var message = GetString(error, "message") ?? string.Empty;
            var items = new List<GoogleApiErrorItem>();
            if (error.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in errors.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object)
                    {
                        items.Add(new GoogleApiErrorItem(
                            GetString(item, "domain"),
                            GetString(item, "reason"),
                            GetString(item, "message"),
                            GetString(item, "locationType"),
                            GetString(item, "location")));
                    }
                }
            }

            return new GoogleApiError(code, message, items);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>One entry of <see cref="GoogleApiError.Errors"/>.</summary>
public sealed record GoogleApiErrorItem(string? Domain, string? Reason, string? Message, string? LocationType, string? Location);
