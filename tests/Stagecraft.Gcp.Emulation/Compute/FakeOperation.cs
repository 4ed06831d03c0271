using System.Text.Json.Nodes;

namespace Stagecraft.Gcp.Emulation.Compute;

/// <summary>A zonal operation of the fake Compute API: RUNNING until <see cref="Finish"/>, then DONE (with or without an error).</summary>
internal sealed class FakeOperation(string name, string zone, string type, string targetLink)
{
    private readonly Lock _gate = new();
    private JsonObject? _error;
    private int? _httpErrorStatusCode;

    public string Name { get; } = name;

    public string Zone { get; } = zone;

    /// <summary>The numeric id the API gives every operation (a decimal string on the wire).</summary>
    public long Id { get; init; }

    /// <summary>The id of the instance the operation is about.</summary>
    public long TargetId { get; init; }

    public DateTimeOffset InsertTime { get; init; }

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Finish(JsonObject? error, int? httpStatus)
    {
        lock (_gate)
        {
            _error = error;
            _httpErrorStatusCode = httpStatus;
        }

        Done.TrySetResult();
    }

    public JsonObject ToJson(FakeComputeServer server)
    {
        lock (_gate)
        {
            var json = new JsonObject
            {
                ["kind"] = "compute#operation",
                ["name"] = Name,
                ["zone"] = server.ZoneLink(Zone),
                ["operationType"] = type,
                ["targetLink"] = targetLink,
                ["id"] = Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["targetId"] = TargetId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["insertTime"] = InsertTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture),
                ["progress"] = Done.Task.IsCompleted ? 100 : 0,
                ["status"] = Done.Task.IsCompleted ? "DONE" : "RUNNING",
                ["selfLink"] = server.ZoneLink(Zone) + "/operations/" + Name,
            };
            if (_error is not null)
            {
                json["error"] = _error.DeepClone();
                json["httpErrorStatusCode"] = _httpErrorStatusCode;
            }

            return json;
        }
    }
}
