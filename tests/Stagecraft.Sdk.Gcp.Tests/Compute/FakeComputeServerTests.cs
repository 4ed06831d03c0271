using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Stagecraft.Gcp.Emulation.Compute;
using Stagecraft.Gcp.Emulation.Metadata;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Gcp.Tests.Compute;

/// <summary>The fake Compute API and metadata server behave like the real ones where the backend depends on it.</summary>
public sealed class FakeComputeServerTests : IAsyncLifetime
{
    private const string Token = "t";
    private readonly TempDirectory _sandbox = new("fake-compute");
    private readonly HttpClient _http = new();
    private FakeComputeServer _compute = null!;

    public async Task InitializeAsync()
    {
        // No storage endpoint: instances are records only, no VM processes.
        _compute = await FakeComputeServer.StartAsync(new FakeComputeOptions { RequiredBearerToken = Token, SandboxRoot = _sandbox.Path, MaxPageSize = 2 });
    }

    public async Task DisposeAsync()
    {
        await _compute.DisposeAsync();
        _http.Dispose();
        _sandbox.Dispose();
    }

    [Fact]
    public async Task Insert_validates_names_rejects_duplicates_and_dedupes_request_ids()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await InsertAsync("Bad_Name", null)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await InsertAsync("-leading-dash", null)).Status);

        var first = await InsertAsync("vm-1", "11111111-1111-5111-8111-111111111111");
        var replay = await InsertAsync("vm-1", "11111111-1111-5111-8111-111111111111");
        var duplicate = await InsertAsync("vm-1", "22222222-2222-5222-8222-222222222222");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(first.Body["name"]!.GetValue<string>(), replay.Body["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);
        Assert.Equal("alreadyExists", duplicate.Body["error"]!["errors"]![0]!["reason"]!.GetValue<string>());
        Assert.Single(_compute.CreatedInstances);
    }

    [Theory]
    [InlineData("machineType", "required")]
    [InlineData("disks", "required")]
    [InlineData("networkInterfaces", "required")]
    public async Task Insert_without_a_required_field_is_refused_naming_it(string field, string reason)
    {
        var body = InstanceBody("vm-missing");
        body.Remove(field);

        var (status, answer) = await SendAsync(HttpMethod.Post, "zones/zone-a/instances", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(reason, answer["error"]!["errors"]![0]!["reason"]!.GetValue<string>());
        Assert.Contains(field, answer["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(_compute.CreatedInstances);
    }

    [Fact]
    public async Task Insert_refuses_what_compute_engine_refuses_in_labels_and_metadata()
    {
        var tooMany = new JsonObject();
        for (var i = 0; i < 65; i++)
        {
            tooMany[$"k{i}"] = "v";
        }

        var bigMetadata = InstanceBody("vm-big-metadata");
        bigMetadata["metadata"] = new JsonObject
        {
            ["items"] = new JsonArray
            {
                new JsonObject { ["key"] = "a", ["value"] = new string('x', 200 * 1024) },
                new JsonObject { ["key"] = "b", ["value"] = new string('x', 200 * 1024) },
                new JsonObject { ["key"] = "c", ["value"] = new string('x', 200 * 1024) },
            },
        };

        Assert.Equal(HttpStatusCode.BadRequest, (await InsertAsync("vm-labels", null, tooMany)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await InsertAsync("vm-key", null, new JsonObject { ["Upper"] = "v" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await InsertAsync("vm-value", null, new JsonObject { ["k"] = "Has Space" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, "zones/zone-a/instances", bigMetadata)).Status);
        tooMany.Remove("k64");
        Assert.Equal(HttpStatusCode.OK, (await InsertAsync("vm-64-labels", null, tooMany)).Status);
        Assert.Single(_compute.CreatedInstances);
    }

    [Fact]
    public async Task Operations_and_instances_come_back_complete_in_googles_form()
    {
        var operation = (await InsertAsync("vm-complete", null)).Body;
        var instance = (await SendAsync(HttpMethod.Get, "zones/zone-a/instances/vm-complete", null)).Body;

        var zoneLink = $"{_compute.Endpoint.AbsoluteUri}compute/v1/projects/{_compute.Options.Project}/zones/zone-a";
        Assert.True(ulong.TryParse(operation["id"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.Equal(instance["id"]!.GetValue<string>(), operation["targetId"]!.GetValue<string>());
        Assert.True(DateTimeOffset.TryParse(operation["insertTime"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.InRange(operation["progress"]!.GetValue<int>(), 0, 100);
        Assert.Equal(zoneLink + "/operations/" + operation["name"]!.GetValue<string>(), operation["selfLink"]!.GetValue<string>());
        Assert.Equal(zoneLink + "/instances/vm-complete", operation["targetLink"]!.GetValue<string>());
        Assert.Equal(zoneLink + "/instances/vm-complete", instance["selfLink"]!.GetValue<string>());
        Assert.Equal(zoneLink + "/machineTypes/e2-small", instance["machineType"]!.GetValue<string>());
    }

    [Fact]
    public async Task Operations_wait_loops_until_done_and_unauthenticated_requests_are_refused()
    {
        var op = (await InsertAsync("vm-wait", null)).Body;
        var name = op["name"]!.GetValue<string>();
        JsonNode waited;
        do
        {
            waited = (await SendAsync(HttpMethod.Post, $"zones/zone-a/operations/{name}/wait", null)).Body;
        }
        while (waited["status"]!.GetValue<string>() != "DONE");

        Assert.Equal("RUNNING", (await SendAsync(HttpMethod.Get, "zones/zone-a/instances/vm-wait", null)).Body["status"]!.GetValue<string>());
        using var anonymous = await _http.GetAsync(new Uri(_compute.Endpoint, $"compute/v1/projects/{_compute.Options.Project}/zones/zone-a/instances/vm-wait"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task List_filters_by_label_and_pages()
    {
        for (var i = 0; i < 5; i++)
        {
            await InsertAsync($"vm-{i}", null, new JsonObject { ["pool"] = i % 2 == 0 ? "warm" : "cold" });
        }

        var names = new List<string>();
        string? pageToken = null;
        var pages = 0;
        do
        {
            var page = (await SendAsync(HttpMethod.Get, "zones/zone-a/instances?filter=" + Uri.EscapeDataString("labels.pool = \"warm\"") + (pageToken is null ? string.Empty : "&pageToken=" + pageToken), null)).Body;
            names.AddRange(page["items"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()));
            pageToken = page["nextPageToken"]?.GetValue<string>();
            pages++;
        }
        while (pageToken is not null);

        Assert.Equal(["vm-0", "vm-2", "vm-4"], names);
        Assert.Equal(2, pages);
    }

    [Fact]
    public async Task Set_metadata_with_a_stale_fingerprint_is_refused_with_412()
    {
        await InsertAsync("vm-meta", null);
        var fingerprint = (await SendAsync(HttpMethod.Get, "zones/zone-a/instances/vm-meta", null)).Body["metadata"]!["fingerprint"]!.GetValue<string>();
        var items = new JsonArray { new JsonObject { ["key"] = "k", ["value"] = "v1" } };

        var first = await SendAsync(HttpMethod.Post, "zones/zone-a/instances/vm-meta/setMetadata", new JsonObject { ["fingerprint"] = fingerprint, ["items"] = items.DeepClone() });
        var stale = await SendAsync(HttpMethod.Post, "zones/zone-a/instances/vm-meta/setMetadata", new JsonObject { ["fingerprint"] = fingerprint, ["items"] = items.DeepClone() });

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.Status);
        Assert.Equal("v1", _compute.GetInstance("zone-a", "vm-meta")!.MetadataItem("k"));
    }

    [Fact]
    public async Task Delete_of_a_missing_instance_is_404_and_delete_makes_it_gone()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, "zones/zone-a/instances/nope", null)).Status);
        await InsertAsync("vm-del", null);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, "zones/zone-a/instances/vm-del", null)).Status);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((await SendAsync(HttpMethod.Get, "zones/zone-a/instances/vm-del", null)).Status != HttpStatusCode.NotFound)
        {
            await Task.Delay(20, cts.Token);
        }
    }

    [Fact]
    public async Task Metadata_server_requires_the_flavor_header_and_wait_for_change_returns_on_change()
    {
        await using var metadata = await FakeMetadataServer.StartAsync("vm", "zone-a", "p", "tok", new Dictionary<string, string> { ["state"] = "idle" });
        var root = new Uri($"http://{metadata.Host}/computeMetadata/v1/");
        using (var bare = await _http.GetAsync(new Uri(root, "instance/name")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, bare.StatusCode);
        }

        Assert.Contains("\"access_token\":\"tok\"", await GetMetadataAsync(root, "instance/service-accounts/default/token"), StringComparison.Ordinal);
        Assert.Equal("FALSE", await GetMetadataAsync(root, "instance/preempted"));

        // As real clients do: read the value and its ETag, then wait for a change from that ETag (no race with the change).
        var etag = await GetETagAsync(root, "instance/attributes/state");
        var waiting = GetMetadataAsync(root, "instance/attributes/state?wait_for_change=true&timeout_sec=60&last_etag=" + etag);
        metadata.SetAttribute("state", "claimed");
        Assert.Equal("claimed", await waiting.WaitAsync(TimeSpan.FromSeconds(60)));

        metadata.MarkPreempted();
        Assert.Equal("TRUE", await GetMetadataAsync(root, "instance/preempted"));
    }

    [Fact]
    public async Task Metadata_server_lists_directories_and_serves_the_service_account_email_as_credential_discovery_needs()
    {
        await using var metadata = await FakeMetadataServer.StartAsync("vm", "zone-a", "proj", "tok", new Dictionary<string, string> { ["startup-script"] = "echo" });
        var root = new Uri($"http://{metadata.Host}/computeMetadata/v1/");

        var instance = (await GetMetadataAsync(root, "instance/")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("attributes/", instance);
        Assert.Contains("service-accounts/", instance);
        Assert.Contains("zone", instance);
        Assert.Contains("default/", (await GetMetadataAsync(root, "instance/service-accounts/")).Split('\n'));
        Assert.Equal(metadata.ServiceAccountEmail, await GetMetadataAsync(root, "instance/service-accounts/default/email"));

        var tree = JsonNode.Parse(await GetMetadataAsync(root, "?recursive=true"))!;
        Assert.Equal("123456789", tree["project"]!["numericProjectId"]!.GetValue<string>());
        Assert.Equal("echo", tree["instance"]!["attributes"]!["startup-script"]!.GetValue<string>());
        Assert.Equal(metadata.ServiceAccountEmail, tree["instance"]!["serviceAccounts"]!["default"]!["email"]!.GetValue<string>());
        var accounts = JsonNode.Parse(await GetMetadataAsync(root, "instance/service-accounts/?recursive=true"))!;
        Assert.Equal(metadata.ServiceAccountEmail, accounts["default"]!["email"]!.GetValue<string>());
    }

    private async Task<string> GetMetadataAsync(Uri root, string item)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(root, item));
        request.Headers.Add("Metadata-Flavor", "Google");
        using var response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<string> GetETagAsync(Uri root, string item)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(root, item));
        request.Headers.Add("Metadata-Flavor", "Google");
        using var response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        // Unquoted, as the real metadata server sends it (so not parseable as HttpResponseHeaders.ETag).
        return response.Headers.TryGetValues("ETag", out var values) ? values.Single() : throw new InvalidOperationException("No ETag.");
    }

    private Task<(HttpStatusCode Status, JsonNode Body)> InsertAsync(string name, string? requestId, JsonObject? labels = null) =>
        SendAsync(HttpMethod.Post, "zones/zone-a/instances" + (requestId is null ? string.Empty : "?requestId=" + requestId), InstanceBody(name, labels));

    /// <summary>The least an insert must carry for Compute Engine to accept it.</summary>
    private static JsonObject InstanceBody(string name, JsonObject? labels = null) => new()
    {
        ["name"] = name,
        ["machineType"] = "zones/zone-a/machineTypes/e2-small",
        ["disks"] = new JsonArray { new JsonObject { ["boot"] = true, ["initializeParams"] = new JsonObject { ["sourceImage"] = "projects/debian-cloud/global/images/family/debian-12" } } },
        ["networkInterfaces"] = new JsonArray { new JsonObject { ["network"] = "global/networks/default" } },
        ["labels"] = labels?.DeepClone() ?? new JsonObject(),
    };

    private async Task<(HttpStatusCode Status, JsonNode Body)> SendAsync(HttpMethod method, string path, JsonNode? body)
    {
        using var request = new HttpRequestMessage(method, new Uri(_compute.Endpoint, $"compute/v1/projects/{_compute.Options.Project}/{path}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }
}
