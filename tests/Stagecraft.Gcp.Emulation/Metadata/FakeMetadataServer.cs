using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Stagecraft.Gcp.Emulation.Hosting;

namespace Stagecraft.Gcp.Emulation.Metadata;

/// <summary>
/// The metadata server of one emulated VM (<c>http://metadata.google.internal/computeMetadata/v1/</c>) on a loopback port:
/// the default service account's token, the instance's name, zone and project, its attributes (with
/// <c>wait_for_change</c> and ETags) and the <c>preempted</c> flag. Requests without <c>Metadata-Flavor: Google</c> get 403,
/// as on Google Cloud. Point a process at it with <c>GCE_METADATA_HOST=</c><see cref="Host"/>.
/// </summary>
public sealed class FakeMetadataServer : IAsyncDisposable
{
    private const string Root = "/computeMetadata/v1/";
    private readonly ConcurrentDictionary<string, string> _attributes = new(StringComparer.Ordinal);
    private readonly Lock _changeLock = new();
    private TaskCompletionSource _changed = NewSignal();
    private LoopbackHost? _host;
    private volatile bool _preempted;
    private int _tokenRequests;

    public FakeMetadataServer(string instanceName, string zone, string projectId, string accessToken)
    {
        InstanceName = instanceName;
        Zone = zone;
        ProjectId = projectId;
        AccessToken = accessToken;
    }

    public string InstanceName { get; }

    public string Zone { get; }

    public string ProjectId { get; }

    public string AccessToken { get; }

    /// <summary>The VM's service account, served at <c>instance/service-accounts/default/email</c> (credential discovery reads it).</summary>
    public string ServiceAccountEmail => $"stagecraft-vm@{ProjectId}.iam.gserviceaccount.com";

    /// <summary><c>127.0.0.1:port</c>, the value for <c>GCE_METADATA_HOST</c>.</summary>
    public string Host => (_host ?? throw new InvalidOperationException("The server is not started.")).BaseUri.Authority;

    /// <summary>Token requests served so far.</summary>
    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    public static async Task<FakeMetadataServer> StartAsync(string instanceName, string zone, string projectId, string accessToken, IReadOnlyDictionary<string, string>? attributes = null, CancellationToken cancellationToken = default)
    {
        var server = new FakeMetadataServer(instanceName, zone, projectId, accessToken);
        foreach (var (key, value) in attributes ?? new Dictionary<string, string>())
        {
            server._attributes[key] = value;
        }

        server._host = await LoopbackHost.StartAsync(server.HandleAsync, cancellationToken).ConfigureAwait(false);
        return server;
    }

    /// <summary>Sets (or with null removes) an instance attribute, waking <c>wait_for_change</c> requests.</summary>
    public void SetAttribute(string key, string? value)
    {
        if (value is null)
        {
            _attributes.TryRemove(key, out _);
        }
        else
        {
            _attributes[key] = value;
        }

        SignalChange();
    }

    /// <summary>Marks the instance preempted (the <c>instance/preempted</c> value becomes <c>TRUE</c>).</summary>
    public void MarkPreempted()
    {
        _preempted = true;
        SignalChange();
    }

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void SignalChange()
    {
        lock (_changeLock)
        {
            _changed.TrySetResult();
            _changed = NewSignal();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Headers["Metadata-Flavor"] != "Google")
        {
            await WriteAsync(context, 403, "Missing required header \"Metadata-Flavor\": \"Google\"", null).ConfigureAwait(false);
            return;
        }

        var path = request.Path.Value ?? string.Empty;
        if (!path.StartsWith(Root, StringComparison.Ordinal))
        {
            await WriteAsync(context, 404, "Not Found", null).ConfigureAwait(false);
            return;
        }

        var item = path[Root.Length..];
        var waitForChange = string.Equals(request.Query["wait_for_change"], "true", StringComparison.OrdinalIgnoreCase);
        var lastEtag = request.Query["last_etag"].ToString();
        var timeout = double.TryParse(request.Query["timeout_sec"], NumberStyles.Float, CultureInfo.InvariantCulture, out var t) ? TimeSpan.FromSeconds(t) : TimeSpan.FromSeconds(60);

        if (item == "instance/service-accounts/default/token")
        {
            Interlocked.Increment(ref _tokenRequests);
            var json = JsonSerializer.Serialize(new Dictionary<string, object> { ["access_token"] = AccessToken, ["expires_in"] = 3599, ["token_type"] = "Bearer" });
            context.Response.ContentType = "application/json";
            await WriteAsync(context, 200, json, null).ConfigureAwait(false);
            return;
        }

        if (item.Length == 0 || item.EndsWith('/'))
        {
            // A directory: its entries one per line (sub-directories end with '/'), or with recursive=true the whole
            // subtree as JSON, as Google's credential and project discovery read it.
            var recursive = string.Equals(request.Query["recursive"], "true", StringComparison.OrdinalIgnoreCase);
            var listing = recursive ? RecursiveJson(item) : Listing(item);
            if (recursive && listing is not null)
            {
                context.Response.ContentType = "application/json";
            }

            await WriteValueAsync(context, listing, ETagOf(listing)).ConfigureAwait(false);
            return;
        }

        if (!waitForChange)
        {
            var value = Lookup(item);
            await WriteValueAsync(context, value, ETagOf(value)).ConfigureAwait(false);
            return;
        }

        // wait_for_change: answer once the value's ETag differs from last_etag (or, without one, from the current
        // value), or when timeout_sec runs out with the unchanged value.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(timeout);
        var baseline = lastEtag.Length > 0 ? lastEtag : ETagOf(Lookup(item));
        while (true)
        {
            Task changed;
            lock (_changeLock)
            {
                changed = _changed.Task;
            }

            var value = Lookup(item);
            var etag = ETagOf(value);
            if (etag != baseline)
            {
                await WriteValueAsync(context, value, etag).ConfigureAwait(false);
                return;
            }

            try
            {
                await changed.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                await WriteValueAsync(context, value, etag).ConfigureAwait(false);
                return;
            }
        }
    }

    private static string ETagOf(string? value) =>
        value is null ? "none" : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)))[..16];

    private string? Lookup(string item) => item switch
    {
        "instance/name" => InstanceName,
        "instance/hostname" => InstanceName + ".c." + ProjectId + ".internal",
        "instance/zone" => "projects/123456789/zones/" + Zone,
        "instance/preempted" => _preempted ? "TRUE" : "FALSE",
        "instance/service-accounts/default/email" => ServiceAccountEmail,
        "project/project-id" => ProjectId,
        "project/numeric-project-id" => "123456789",
        _ when item.StartsWith("instance/attributes/", StringComparison.Ordinal) =>
            _attributes.TryGetValue(item["instance/attributes/".Length..], out var v) ? v : null,
        _ => null,
    };

    /// <summary>Every leaf the server answers, by path: the tree the directory listings are made of.</summary>
    private SortedDictionary<string, string> Leaves()
    {
        var leaves = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in new[] { "instance/name", "instance/hostname", "instance/zone", "instance/preempted", "project/project-id", "project/numeric-project-id" })
        {
            leaves[item] = Lookup(item)!;
        }

        foreach (var account in new[] { "default", ServiceAccountEmail })
        {
            leaves[$"instance/service-accounts/{account}/email"] = ServiceAccountEmail;
            leaves[$"instance/service-accounts/{account}/aliases"] = "default";
            leaves[$"instance/service-accounts/{account}/scopes"] = "https://www.googleapis.com/auth/cloud-platform";
        }

        foreach (var (key, value) in _attributes)
        {
            leaves["instance/attributes/" + key] = value;
        }

        return leaves;
    }

    private string? Listing(string directory)
    {
        var entries = Leaves().Keys
            .Where(k => k.StartsWith(directory, StringComparison.Ordinal))
            .Select(k => k[directory.Length..])
            .Select(rest => rest.Contains('/', StringComparison.Ordinal) ? rest[..(rest.IndexOf('/', StringComparison.Ordinal) + 1)] : rest)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return entries.Count == 0 ? null : string.Concat(entries.Select(e => e + "\n"));
    }

    private string? RecursiveJson(string directory)
    {
        var root = new System.Text.Json.Nodes.JsonObject();
        var any = false;
        foreach (var (key, value) in Leaves().Where(p => p.Key.StartsWith(directory, StringComparison.Ordinal)))
        {
            any = true;
            var node = root;
            var parts = key[directory.Length..].Split('/');
            for (var i = 0; i < parts.Length; i++)
            {
                // Google camel-cases its own names in JSON (numeric-project-id → numericProjectId) but keeps attribute keys.
                var underAttributes = i > 0 && parts[i - 1] == "attributes";
                var name = underAttributes ? parts[i] : CamelCase(parts[i]);
                if (i == parts.Length - 1)
                {
                    node[name] = name == "scopes" || name == "aliases" ? new System.Text.Json.Nodes.JsonArray(value) : value;
                }
                else
                {
                    node = node[name] as System.Text.Json.Nodes.JsonObject ?? (System.Text.Json.Nodes.JsonObject)(node[name] = new System.Text.Json.Nodes.JsonObject());
                }
            }
        }

        return any ? root.ToJsonString() : null;
    }

    private static string CamelCase(string name)
    {
        var words = name.Split('-');
        return words[0] + string.Concat(words.Skip(1).Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..]));
    }

    private static Task WriteValueAsync(HttpContext context, string? value, string etag) =>
        value is null ? WriteAsync(context, 404, "Not Found", null) : WriteAsync(context, 200, value, etag);

    private static async Task WriteAsync(HttpContext context, int status, string body, string? etag)
    {
        context.Response.StatusCode = status;
        context.Response.Headers["Metadata-Flavor"] = "Google";
        if (etag is not null)
        {
            context.Response.Headers.ETag = etag;
        }

        context.Response.ContentType ??= "application/text";
        await context.Response.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}
