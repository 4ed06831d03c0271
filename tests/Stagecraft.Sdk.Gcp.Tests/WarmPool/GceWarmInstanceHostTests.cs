using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Stagecraft.Gcp.Compute;
using Stagecraft.Runs;
using Stagecraft.Sdk.Gcp.Tests.Compute;
using Stagecraft.WarmPool;

namespace Stagecraft.Sdk.Gcp.Tests.WarmPool;

/// <summary>The reaper and the emergency cleanup against the fake Compute API, with pool documents in the fake GCS.</summary>
public sealed class GceWarmInstanceHostTests
{
    private const string Profile = "cpu-small";

    [Fact]
    public async Task Reaper_deletes_overdue_idle_vm_forgets_vanished_one_and_never_touches_a_running_one()
    {
        await using var bed = await GceTestBed.StartAsync();
        using var storage = bed.CreateStorage();
        var pool = new Stagecraft.WarmPool.WarmPool(storage, new WarmPoolOptions
        {
            Profiles = new Dictionary<string, WarmPoolProfileOptions> { [Profile] = new() { IdleTimeout = TimeSpan.FromMilliseconds(200), MaxInstances = 5 } },
            SelfDeleteGrace = TimeSpan.FromMilliseconds(200),
        });
        using var host = new GceWarmInstanceHost(bed.Options());

        var idle = await LaunchAsync(bed, pool, "job-1", vm: true);
        Assert.NotNull(await pool.CompleteJobAsync(Profile, idle.InstanceId, "job-1", new RunExitRecord(0)));
        var running = await LaunchAsync(bed, pool, "job-2", vm: true);
        var vanished = await LaunchAsync(bed, pool, "job-3", vm: false); // deleted by hand, or preempted and removed

        Assert.Equal(WarmMachineStatus.Alive, await host.ProbeAsync(idle));
        Assert.Equal(WarmMachineStatus.Gone, await host.ProbeAsync(vanished));
        await Task.Delay(TimeSpan.FromSeconds(1));

        var report = await new WarmPoolReaper(pool, [host]).ReapAsync();
        Assert.Equal([idle.InstanceId], report.DeletedMachines);
        Assert.Equal(new[] { idle.InstanceId, vanished.InstanceId }.Order(), report.RemovedDocuments.Order());
        Assert.Null(bed.Compute.GetInstance("zone-a", idle.InstanceId));
        Assert.NotNull(bed.Compute.GetInstance("zone-a", running.InstanceId));
        Assert.Equal(WarmInstanceState.Running, (await pool.GetAsync(Profile, running.InstanceId))!.State);

        // Emergency cleanup takes the running one too, and reports it.
        var cleanup = await pool.CleanupAsync([host], confirm: true);
        Assert.Equal([running.InstanceId], cleanup.DeletedMachines);
        Assert.Empty(bed.Compute.Instances);
        Assert.Empty(await pool.ListAsync().ToListAsync());
    }

    private static async Task<WarmInstance> LaunchAsync(GceTestBed bed, Stagecraft.WarmPool.WarmPool pool, string runId, bool vm)
    {
        var registration = await pool.TryRegisterAsync(Profile, runId, GceRunBackend.BackendName) ?? throw new InvalidOperationException("cap");
        if (vm)
        {
            await InsertAsync(bed, registration.Instance.InstanceId);
        }

        Assert.True(await pool.MarkLaunchedAsync(registration, "zone-a"));
        return (await pool.GetAsync(Profile, registration.Instance.InstanceId))!;
    }

    /// <summary>Creates a VM without a startup script (no process), as a pool launch would have.</summary>
    private static async Task InsertAsync(GceTestBed bed, string name)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(bed.Compute.Endpoint, $"compute/v1/projects/{bed.Compute.Options.Project}/zones/zone-a/instances"))
        {
            Content = new StringContent(new JsonObject
            {
                ["name"] = name,
                ["machineType"] = "zones/zone-a/machineTypes/e2-small",
                ["disks"] = new JsonArray { new JsonObject { ["boot"] = true, ["initializeParams"] = new JsonObject { ["sourceImage"] = "projects/debian-cloud/global/images/family/debian-12" } } },
                ["networkInterfaces"] = new JsonArray { new JsonObject { ["network"] = "global/networks/default" } },
                ["labels"] = new JsonObject { ["stagecraft-pool"] = "cpu-small" },
            }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GceTestBed.ComputeToken);
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (bed.Compute.GetInstance("zone-a", name)?.Status != "RUNNING" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }
}
