using System.Text.Json;

namespace Stagecraft.Gcp.Emulation.Storage;

/// <summary>Error responses in the exact JSON shape of the Cloud Storage JSON API.</summary>
internal static class GcsErrors
{
    public static FakeResponse Create(int status, string reason, string message, string? locationType = null, string? location = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteNumber("code", status);
            json.WriteString("message", message);
            json.WriteStartArray("errors");
            json.WriteStartObject();
            json.WriteString("message", message);
            json.WriteString("domain", "global");
            json.WriteString("reason", reason);
            if (locationType is not null)
            {
                json.WriteString("locationType", locationType);
            }

            if (location is not null)
            {
                json.WriteString("location", location);
            }

            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return FakeResponse.Json(status, buffer.ToArray());
    }

    public static FakeResponse NoSuchObject(string bucket, string name) => Create(404, "notFound", $"No such object: {bucket}/{name}");

    public static FakeResponse NoSuchBucket() => Create(404, "notFound", "The specified bucket does not exist.");

    public static FakeResponse ConditionNotMet() =>
        Create(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.", "header", "If-Match");

    public static FakeResponse Invalid(string message) => Create(400, "invalid", message);

    public static FakeResponse ForStatus(int status) => status switch
    {
        408 => Create(408, "requestTimeout", "Request timed out."),
        429 => Create(429, "rateLimitExceeded", "The rate of change requests to the object exceeds the rate limit. Please reduce the rate of create, update, and delete requests."),
        500 => Create(500, "backendError", "Internal Error."),
        502 => Create(502, "backendError", "Bad Gateway."),
        503 => Create(503, "backendError", "We encountered an internal error. Please try again."),
        504 => Create(504, "backendError", "Gateway Timeout."),
        _ => Create(status, "injected", $"Injected status {status}."),
    };
}
