using System.Text.Json;

namespace Stagecraft.Gcp.Compute;

/// <summary>The parts of a Compute Engine zonal operation the backend reads.</summary>
internal sealed record ComputeOperation(string Name, string Zone, bool IsDone, string? ErrorCode, string? ErrorMessage, int? HttpErrorStatusCode)
{
    public static ComputeOperation Parse(JsonElement json, string zone)
    {
        string? code = null;
        string? message = null;
        if (json.TryGetProperty("error", out var error) && error.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in errors.EnumerateArray())
            {
                code ??= item.TryGetProperty("code", out var c) ? c.GetString() : null;
                message = message is null ? Str(item, "message") : message + " " + Str(item, "message");
            }
        }

        return new ComputeOperation(
            Str(json, "name") ?? throw new JsonException("The operation has no name."),
            zone,
            Str(json, "status") == "DONE",
            code,
            message,
            json.TryGetProperty("httpErrorStatusCode", out var status) && status.TryGetInt32(out var s) ? s : null);
    }

    /// <summary>
    /// A capacity problem of the zone (retry elsewhere): <c>ZONE_RESOURCE_POOL_EXHAUSTED</c>,
    /// <c>ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS</c>, or one of the messages Google documents for it: the zone "does not
    /// have enough resources", or a machine "is currently unavailable in the … zone".
    /// </summary>
    public bool IsStockout =>
        ErrorCode?.StartsWith("ZONE_RESOURCE_POOL_EXHAUSTED", StringComparison.Ordinal) == true
        || ErrorMessage?.Contains("does not have enough resources", StringComparison.OrdinalIgnoreCase) == true
        || ErrorMessage?.Contains("is currently unavailable in the", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary><c>QUOTA_EXCEEDED</c> (and its regional/global variants).</summary>
    public bool IsQuotaExceeded => ErrorCode?.Contains("QUOTA_EXCEEDED", StringComparison.Ordinal) == true;

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
