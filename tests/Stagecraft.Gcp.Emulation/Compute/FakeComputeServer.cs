using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Stagecraft.Gcp.Emulation.Faults;
using Stagecraft.Gcp.Emulation.Hosting;
using Stagecraft.Gcp.Emulation.Vms;

namespace Stagecraft.Gcp.Emulation.Compute;

/// <summary>
/// A loopback fake of the Compute Engine API (<c>compute/v1</c>) for zonal instances and operations: asynchronous
/// operations (<c>operations.wait</c> may answer before DONE), <c>requestId</c> dedupe, 409 on duplicate names, name
/// validation, per-zone stockout and quota injection (as operation errors, as the real API reports them), metadata
/// fingerprints (412 on a stale one), label filtering and paging on list, instance states. Each inserted instance with a
/// <c>startup-script</c> becomes an <see cref="EmulatedVm"/>: a real bash process running that script.
/// </summary>
public sealed partial class FakeComputeServer : IAsyncDisposable
{
    private const string ApiRoot = "compute/v1/";
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Zone, string Name), FakeInstance> _instances = [];
    private readonly Dictionary<string, FakeOperation> _operations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeOperation> _operationsByRequestId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _stockouts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _quotaFailures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _quotaRefusals = new(StringComparer.Ordinal);
    private int _rateLimitedInserts;
    private readonly List<FakeComputeRequest> _requests = [];
    private readonly List<Task> _background = [];
    private LoopbackHost? _host;
    private long _sequence;
    private long _ids = 1000;

    private FakeComputeServer(FakeComputeOptions options) => Options = options;

    public FakeComputeOptions Options { get; }

    /// <summary>The API's root URI (the value for an endpoint override), e.g. <c>http://127.0.0.1:1234/</c>.</summary>
    public Uri Endpoint => _host?.BaseUri ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>Scripted faults (status answers, resets before or after processing).</summary>
    public FaultPlan<FakeComputeRequest> Faults { get; } = new();

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<FakeComputeRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Every instance ever created (including deleted ones, whose <see cref="FakeInstance.Status"/> is <c>DELETED</c>).</summary>
    public IReadOnlyList<FakeInstance> CreatedInstances
    {
        get
        {
            lock (_gate)
            {
                return [.. _created];
            }
        }
    }

    private readonly List<FakeInstance> _created = [];

    public static async Task<FakeComputeServer> StartAsync(FakeComputeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var server = new FakeComputeServer(options);
        server._host = await LoopbackHost.StartAsync(server.HandleAsync, cancellationToken).ConfigureAwait(false);
        return server;
    }

    /// <summary>Makes inserts into <paramref name="zone"/> fail with <c>ZONE_RESOURCE_POOL_EXHAUSTED</c> (null clears it).</summary>
    public void SetStockout(string zone, bool stockedOut = true)
    {
        lock (_gate)
        {
            if (stockedOut)
            {
                _stockouts[zone] = "ZONE_RESOURCE_POOL_EXHAUSTED";
            }
            else
            {
                _stockouts.Remove(zone);
            }
        }
    }

    /// <summary>Makes inserts into <paramref name="zone"/> fail with <c>QUOTA_EXCEEDED</c> on <paramref name="metric"/> (null clears it).</summary>
    public void SetQuotaExceeded(string zone, string? metric)
    {
        lock (_gate)
        {
            if (metric is null)
            {
                _quotaFailures.Remove(zone);
            }
            else
            {
                _quotaFailures[zone] = metric;
            }
        }
    }

    /// <summary>
    /// Makes inserts into <paramref name="zone"/> be refused at once with HTTP 403 <c>quotaExceeded</c> on
    /// <paramref name="metric"/> (e.g. <c>GPUS_ALL_REGIONS</c>), before any operation exists (null clears it).
    /// </summary>
    public void RefuseInsertsForQuota(string zone, string? metric)
    {
        lock (_gate)
        {
            if (metric is null)
            {
                _quotaRefusals.Remove(zone);
            }
            else
            {
                _quotaRefusals[zone] = metric;
            }
        }
    }

    /// <summary>Answers the next <paramref name="count"/> inserts with HTTP 403 <c>rateLimitExceeded</c>, as Compute Engine reports its API rate limits.</summary>
    public void RateLimitNextInserts(int count)
    {
        lock (_gate)
        {
            _rateLimitedInserts = count;
        }
    }

    /// <summary>The live instance, or null.</summary>
    public FakeInstance? GetInstance(string zone, string name)
    {
        lock (_gate)
        {
            return _instances.GetValueOrDefault((zone, name));
        }
    }

    /// <summary>All live instances.</summary>
    public IReadOnlyList<FakeInstance> Instances
    {
        get
        {
            lock (_gate)
            {
                return [.. _instances.Values];
            }
        }
    }

    /// <summary>Preempts a spot VM: the preempted flag goes up, the VM gets the shutdown sequence, the instance ends TERMINATED.</summary>
    public async Task PreemptAsync(string zone, string name)
    {
        var instance = GetInstance(zone, name) ?? throw new InvalidOperationException($"No instance {zone}/{name}.");
        instance.Vm?.Metadata.MarkPreempted();
        instance.Status = "STOPPING";
        if (instance.Vm is { } vm)
        {
            await vm.StopAsync(Options.ShutdownGracePeriod).ConfigureAwait(false);
        }

        instance.Status = "TERMINATED";
    }

    public async ValueTask DisposeAsync()
    {
        Task[] background;
        lock (_gate)
        {
            background = [.. _background];
        }

        await Task.WhenAll(background.Select(t => t.ContinueWith(static _ => { }, TaskScheduler.Default))).ConfigureAwait(false);
        foreach (var instance in CreatedInstances)
        {
            if (instance.Vm is { } vm)
            {
                await vm.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (_host is not null)
        {
            await _host.DisposeAsync().ConfigureAwait(false);
        }
    }

    [GeneratedRegex("^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex NamePattern();

    private async Task HandleAsync(HttpContext context)
    {
        var path = (context.Request.Path.Value ?? string.Empty).TrimStart('/');
        var segments = path.StartsWith(ApiRoot, StringComparison.Ordinal) ? path[ApiRoot.Length..].Split('/') : [];
        var zone = segments.Length >= 4 && segments[0] == "projects" && segments[2] == "zones" ? segments[3] : null;
        var request = new FakeComputeRequest(Interlocked.Increment(ref _sequence), context.Request.Method, string.Join('/', segments), zone, context.Request.Query["requestId"].ToString() is { Length: > 0 } r ? r : null);
        lock (_gate)
        {
            _requests.Add(request);
        }

        // The VMs' own service-account token is a valid principal too (a VM deletes itself with it).
        var authorization = context.Request.Headers.Authorization.ToString();
        if (Options.RequiredBearerToken is { } token && authorization != "Bearer " + token
            && (Options.VmAccessToken is not { } vmToken || authorization != "Bearer " + vmToken))
        {
            await WriteAsync(context, Error(401, "authError", "Request had invalid authentication credentials.")).ConfigureAwait(false);
            return;
        }

        var fault = Faults.Next(request);
        switch (fault?.Kind)
        {
            case FaultKind.Status:
                await WriteAsync(context, Error(fault.StatusCode, "backendError", "Injected failure.")).ConfigureAwait(false);
                return;
            case FaultKind.ResetBeforeProcessing:
                context.Abort();
                return;
        }

        (int Status, JsonNode Body) response;
        try
        {
            response = await DispatchAsync(context, segments, zone, request).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            response = Error(400, "parseError", "Parse Error: " + ex.Message);
        }

        if (fault?.Kind == FaultKind.ResetAfterProcessing)
        {
            context.Abort();
            return;
        }

        await WriteAsync(context, response).ConfigureAwait(false);
    }

    private async Task<(int, JsonNode)> DispatchAsync(HttpContext context, string[] s, string? zone, FakeComputeRequest request)
    {
        if (zone is null || s.Length < 5 || s[1] != Options.Project)
        {
            return Error(404, "notFound", $"The resource '{request.Path}' was not found");
        }

        if (!Options.Zones.Contains(zone))
        {
            return Error(400, "invalid", $"Invalid value for field 'zone': '{zone}'. Unknown zone.");
        }

        var method = context.Request.Method;
        switch (s[4], s.Length, method)
        {
            case ("instances", 5, "POST"):
                var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false) as JsonObject
                    ?? throw new JsonException("The body is not a JSON object.");
                return Insert(zone, body, request.RequestId);
            case ("instances", 5, "GET"):
                return List(zone, context.Request.Query["filter"].ToString(), context.Request.Query["maxResults"].ToString(), context.Request.Query["pageToken"].ToString());
            case ("instances", 6, "GET"):
                return GetInstance(zone, s[5]) is { } i ? (200, i.ToJson(this)) : NotFound(zone, s[5]);
            case ("instances", 6, "DELETE"):
                return Delete(zone, s[5], request.RequestId);
            case ("instances", 7, "POST") when s[6] == "setMetadata":
                var metadata = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false) as JsonObject
                    ?? throw new JsonException("The body is not a JSON object.");
                return SetMetadata(zone, s[5], metadata);
            case ("operations", 6, "GET"):
                return FindOperation(s[5]) is { } op ? (200, op.ToJson(this)) : Error(404, "notFound", $"The resource 'projects/{Options.Project}/zones/{zone}/operations/{s[5]}' was not found");
            case ("operations", 7, "POST") when s[6] == "wait":
                if (FindOperation(s[5]) is not { } waited)
                {
                    return Error(404, "notFound", $"The resource 'projects/{Options.Project}/zones/{zone}/operations/{s[5]}' was not found");
                }

                // Like the real API, wait may return before the operation is DONE; callers must loop.
                await Task.WhenAny(waited.Done.Task, Task.Delay(Options.MaxOperationWait, context.RequestAborted)).ConfigureAwait(false);
                return (200, waited.ToJson(this));
            default:
                return Error(404, "notFound", $"The resource '{request.Path}' was not found");
        }
    }

    private (int, JsonNode) Insert(string zone, JsonObject body, string? requestId)
    {
        var name = body["name"]?.GetValue<string>() ?? string.Empty;
        lock (_gate)
        {
            if (requestId is not null && _operationsByRequestId.TryGetValue(requestId, out var existing))
            {
                return (200, existing.ToJson(this));
            }

            if (_rateLimitedInserts > 0)
            {
                _rateLimitedInserts--;
                return Error(403, "rateLimitExceeded", $"Rate Limit Exceeded: Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service 'compute.googleapis.com' for consumer 'project_number:{Options.Project}'.");
            }

            if (InsertFindings.Check(body) is { } invalid)
            {
                return Error(400, invalid.Reason, invalid.Message);
            }

            if (_quotaRefusals.TryGetValue(zone, out var refusedMetric))
            {
                return Error(403, "quotaExceeded", $"Quota '{refusedMetric}' exceeded.  Limit: 0.0 globally.");
            }

            if (!NamePattern().IsMatch(name))
            {
                return Error(400, "invalid", $"Invalid value for field 'resource.name': '{name}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{{0,61}}[a-z0-9])?)'");
            }

            if (_instances.ContainsKey((zone, name)))
            {
                return Error(409, "alreadyExists", $"The resource 'projects/{Options.Project}/zones/{zone}/instances/{name}' already exists");
            }

            var operation = NewOperation(zone, "insert", InstanceLink(zone, name), requestId);
            if (_stockouts.TryGetValue(zone, out var code))
            {
                operation.Finish(OperationError(code, $"The zone 'projects/{Options.Project}/zones/{zone}' does not have enough resources available to fulfill the request.  Try a different zone, or try again later."), 503);
                return (200, operation.ToJson(this));
            }

            if (_quotaFailures.TryGetValue(zone, out var metric))
            {
                operation.Finish(OperationError("QUOTA_EXCEEDED", $"Quota '{metric}' exceeded.  Limit: 0.0 in region {zone[..zone.LastIndexOf('-')]}."), 403);
                return (200, operation.ToJson(this));
            }

            var instance = new FakeInstance(Interlocked.Increment(ref _ids), zone, name, body);
            _instances[(zone, name)] = instance;
            _created.Add(instance);
            _background.Add(Task.Run(() => BootAsync(instance, operation)));
            return (200, operation.ToJson(this));
        }
    }

    private async Task BootAsync(FakeInstance instance, FakeOperation operation)
    {
        try
        {
            await Task.Yield();
            instance.Status = "STAGING";
            if (Options.StorageEndpoint is { } storage && instance.MetadataItem("startup-script") is { } script)
            {
                var sandbox = Path.Combine(Options.SandboxRoot, instance.Zone + "-" + instance.Name + "-" + instance.Id.ToString(CultureInfo.InvariantCulture));
                Directory.CreateDirectory(sandbox);
                instance.Vm = await EmulatedVm.StartAsync(script, sandbox, storage, instance.Name, instance.Zone, Options.Project, Options.VmAccessToken, instance.MetadataItems).ConfigureAwait(false);
            }

            lock (_gate)
            {
                // A delete that raced the boot wins.
                if (instance.Status == "STAGING")
                {
                    instance.Status = "RUNNING";
                }
            }

            operation.Finish(null, null);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            operation.Finish(OperationError("INTERNAL_ERROR", "The VM could not be started: " + ex.Message), 500);
        }
    }

    private (int, JsonNode) Delete(string zone, string name, string? requestId)
    {
        lock (_gate)
        {
            if (requestId is not null && _operationsByRequestId.TryGetValue(requestId, out var existing))
            {
                return (200, existing.ToJson(this));
            }

            if (!_instances.TryGetValue((zone, name), out var instance))
            {
                return NotFound(zone, name);
            }

            var operation = NewOperation(zone, "delete", InstanceLink(zone, name), requestId);
            instance.Status = "STOPPING";
            _background.Add(Task.Run(async () =>
            {
                if (instance.Vm is { } vm)
                {
                    await vm.StopAsync(Options.ShutdownGracePeriod).ConfigureAwait(false);
                }

                lock (_gate)
                {
                    _instances.Remove((zone, name));
                    instance.Status = "DELETED";
                }

                operation.Finish(null, null);
            }));
            return (200, operation.ToJson(this));
        }
    }

    private (int, JsonNode) SetMetadata(string zone, string name, JsonObject body)
    {
        lock (_gate)
        {
            if (!_instances.TryGetValue((zone, name), out var instance))
            {
                return NotFound(zone, name);
            }

            if (body["fingerprint"]?.GetValue<string>() != instance.MetadataFingerprint)
            {
                return Error(412, "conditionNotMet", "Supplied fingerprint does not match current metadata fingerprint.");
            }

            var items = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var item in body["items"]?.AsArray() ?? [])
            {
                items[item!["key"]!.GetValue<string>()] = item["value"]?.GetValue<string>() ?? string.Empty;
            }

            var previous = instance.MetadataItems;
            instance.ReplaceMetadata(items);
            foreach (var key in previous.Keys.Union(items.Keys))
            {
                instance.Vm?.Metadata.SetAttribute(key, items.GetValueOrDefault(key));
            }

            var operation = NewOperation(zone, "setMetadata", InstanceLink(zone, name), null);
            operation.Finish(null, null);
            return (200, operation.ToJson(this));
        }
    }

    private (int, JsonNode) List(string zone, string filter, string maxResults, string pageToken)
    {
        var wanted = ParseLabelFilter(filter);
        if (wanted is null)
        {
            return Error(400, "invalid", $"Invalid value for field 'filter': '{filter}'. The fake supports only labels.KEY = \"VALUE\" terms joined by AND.");
        }

        var pageSize = Math.Min(Options.MaxPageSize, int.TryParse(maxResults, CultureInfo.InvariantCulture, out var m) && m > 0 ? m : 500);
        var start = int.TryParse(pageToken, CultureInfo.InvariantCulture, out var p) ? p : 0;
        List<FakeInstance> matching;
        lock (_gate)
        {
            matching = [.. _instances.Values.Where(i => i.Zone == zone && wanted.All(w => i.Labels.TryGetValue(w.Key, out var v) && v == w.Value)).OrderBy(i => i.Name, StringComparer.Ordinal)];
        }

        var items = new JsonArray();
        foreach (var instance in matching.Skip(start).Take(pageSize))
        {
            items.Add(instance.ToJson(this));
        }

        var result = new JsonObject { ["kind"] = "compute#instanceList", ["items"] = items };
        if (start + pageSize < matching.Count)
        {
            result["nextPageToken"] = (start + pageSize).ToString(CultureInfo.InvariantCulture);
        }

        return (200, result);
    }

    private static Dictionary<string, string>? ParseLabelFilter(string filter)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(filter))
        {
            return result;
        }

        foreach (var term in Regex.Split(filter, @"\s+AND\s+"))
        {
            var match = Regex.Match(term.Trim().Trim('(', ')'), "^labels\\.([a-z][a-z0-9_-]*)\\s*=\\s*\"?([a-z0-9_-]*)\"?$");
            if (!match.Success)
            {
                return null;
            }

            result[match.Groups[1].Value] = match.Groups[2].Value;
        }

        return result;
    }

    private FakeOperation NewOperation(string zone, string type, string target, string? requestId)
    {
        var targetId = _instances.Values.FirstOrDefault(i => InstanceLink(i.Zone, i.Name) == target)?.Id ?? Interlocked.Read(ref _ids) + 1;
        var operation = new FakeOperation("operation-" + Guid.NewGuid().ToString("N"), zone, type, target)
        {
            Id = Interlocked.Increment(ref _sequence) + 7_000_000_000_000_000_000,
            TargetId = targetId,
            InsertTime = DateTimeOffset.UtcNow,
        };
        _operations[operation.Name] = operation;
        if (requestId is not null)
        {
            _operationsByRequestId[requestId] = operation;
        }

        return operation;
    }

    private FakeOperation? FindOperation(string name)
    {
        lock (_gate)
        {
            return _operations.GetValueOrDefault(name);
        }
    }

    internal string InstanceLink(string zone, string name) => $"{Endpoint.AbsoluteUri}{ApiRoot}projects/{Options.Project}/zones/{zone}/instances/{name}";

    internal string MachineTypeLink(string zone, string machineType) => $"{ZoneLink(zone)}/machineTypes/{machineType}";

    internal string ZoneLink(string zone) => $"{Endpoint.AbsoluteUri}{ApiRoot}projects/{Options.Project}/zones/{zone}";

    private (int, JsonNode) NotFound(string zone, string name) =>
        Error(404, "notFound", $"The resource 'projects/{Options.Project}/zones/{zone}/instances/{name}' was not found");

    private static JsonObject OperationError(string code, string message) => new()
    {
        ["errors"] = new JsonArray { new JsonObject { ["code"] = code, ["message"] = message } },
    };

    private static (int, JsonNode) Error(int status, string reason, string message) => (status, new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["code"] = status,
            ["message"] = message,
            ["errors"] = new JsonArray { new JsonObject { ["message"] = message, ["domain"] = "global", ["reason"] = reason } },
        },
    });

    private static async Task WriteAsync(HttpContext context, (int Status, JsonNode Body) response)
    {
        context.Response.StatusCode = response.Status;
        context.Response.ContentType = "application/json; charset=UTF-8";
        await context.Response.WriteAsync(response.Body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }
}
