using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Stagecraft.Gcp.Emulation.Vms;

namespace Stagecraft.Gcp.Emulation.Compute;

/// <summary>An instance of the fake Compute API: the inserted resource, its state, metadata (with fingerprint) and its VM process.</summary>
public sealed class FakeInstance
{
    private readonly Lock _gate = new();
    private Dictionary<string, string> _metadata;
    private volatile string _status = "PROVISIONING";

    internal FakeInstance(long id, string zone, string name, JsonObject resource)
    {
        Id = id;
        Zone = zone;
        Name = name;
        Resource = (JsonObject)resource.DeepClone();
        Labels = resource["labels"] is JsonObject labels
            ? labels.ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? string.Empty, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        _metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in resource["metadata"]?["items"]?.AsArray() ?? [])
        {
            _metadata[item!["key"]!.GetValue<string>()] = item["value"]?.GetValue<string>() ?? string.Empty;
        }

        MetadataFingerprint = Fingerprint(_metadata);
    }

    public long Id { get; }

    public DateTimeOffset Created { get; } = DateTimeOffset.UtcNow;

    public string Zone { get; }

    public string Name { get; }

    /// <summary>The body of the insert request, as sent.</summary>
    public JsonObject Resource { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>PROVISIONING, STAGING, RUNNING, STOPPING, TERMINATED, or DELETED once gone.</summary>
    public string Status
    {
        get => _status;
        internal set => _status = value;
    }

    /// <summary>The emulated VM, once booted (null when the instance has no startup script or VMs are off).</summary>
    public EmulatedVm? Vm { get; internal set; }

    public string MetadataFingerprint { get; private set; }

    public IReadOnlyDictionary<string, string> MetadataItems
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, string>(_metadata, StringComparer.Ordinal);
            }
        }
    }

    public string? MetadataItem(string key)
    {
        lock (_gate)
        {
            return _metadata.GetValueOrDefault(key);
        }
    }

    internal void ReplaceMetadata(Dictionary<string, string> items)
    {
        lock (_gate)
        {
            _metadata = items;
            MetadataFingerprint = Fingerprint(items);
        }
    }

    internal JsonObject ToJson(FakeComputeServer server)
    {
        var json = (JsonObject)Resource.DeepClone();
        json["kind"] = "compute#instance";
        json["id"] = Id.ToString(CultureInfo.InvariantCulture);
        json["status"] = Status;
        json["zone"] = server.ZoneLink(Zone);
        json["selfLink"] = server.InstanceLink(Zone, Name);
        if (Resource["machineType"]?.GetValue<string>() is { } machineType)
        {
            // The server answers with the full URL whatever short form the request used.
            json["machineType"] = server.MachineTypeLink(Zone, machineType[(machineType.LastIndexOf('/') + 1)..]);
        }

        json["creationTimestamp"] = Created.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
        var items = new JsonArray();
        foreach (var (key, value) in MetadataItems.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            items.Add(new JsonObject { ["key"] = key, ["value"] = value });
        }

        json["metadata"] = new JsonObject { ["kind"] = "compute#metadata", ["fingerprint"] = MetadataFingerprint, ["items"] = items };
        return json;
    }

    private static string Fingerprint(Dictionary<string, string> items)
    {
        var text = string.Join('\n', items.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
        return Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text))[..8]);
    }
}
