using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Emulation.Compute;
using Stagecraft.Local.Runs;
using Stagecraft.Runs;
using Stagecraft.Testing;
using Stagecraft.WarmPool;

namespace Stagecraft.Cli.Tests;

/// <summary>
/// <c>stagecraft pool list|drain|cleanup</c> against a pool populated through the core <see cref="WarmPool.WarmPool"/>
/// API: on a local store, and (for the machines cleanup deletes) on the fake Cloud Storage with the fake Compute API.
/// </summary>
public sealed class PoolCommandTests
{
    private const string Cpu = "cpu-small";
    private const string Gpu = "h100-spot";
    private const string ComputeToken = "cli-compute-token";

    [Fact]
    public async Task Pool_list_shows_each_instance_with_its_state_current_run_and_idle_time()
    {
        await using var store = await CliStore.LocalAsync();
        var pool = Pool(store);
        var running = await LaunchAsync(pool, Cpu, "job-running");
        var idle = await LaunchAsync(pool, Cpu, "job-done");
        Assert.NotNull(await pool.CompleteJobAsync(Cpu, idle.InstanceId, "job-done", new RunExitRecord(0)));
        var launching = (await pool.TryRegisterAsync(Gpu, "job-starting", GceRunBackend.BackendName))!.Instance;

        var table = await store.RunAsync("pool", "list");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.StartsWith("INSTANCE", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("3 instances in warmpool/", table.Stdout, StringComparison.Ordinal);
        var idleLine = table.Stdout.Split('\n').Single(l => l.StartsWith(idle.InstanceId, StringComparison.Ordinal));
        Assert.Contains(" idle ", idleLine, StringComparison.Ordinal);
        Assert.DoesNotContain("job-done", idleLine, StringComparison.Ordinal);

        var json = (await store.RunAsync("pool", "list", "--json")).Json();
        Assert.False(json.GetProperty("draining").GetBoolean());
        var byId = json.GetProperty("instances").EnumerateArray().ToDictionary(i => i.GetProperty("instanceId").GetString()!);
        Assert.Equal(3, byId.Count);
        Assert.Equal(("running", "job-running"), (byId[running.InstanceId].GetProperty("state").GetString(), byId[running.InstanceId].GetProperty("currentRun").GetString()));
        Assert.Equal(("idle", "job-done"), (byId[idle.InstanceId].GetProperty("state").GetString(), byId[idle.InstanceId].GetProperty("lastRun").GetString()));
        Assert.False(byId[idle.InstanceId].TryGetProperty("currentRun", out _));
        Assert.True(byId[idle.InstanceId].GetProperty("idleSince").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        Assert.False(byId[running.InstanceId].TryGetProperty("idleSince", out _));
        Assert.Equal(("launching", "job-starting"), (byId[launching.InstanceId].GetProperty("state").GetString(), byId[launching.InstanceId].GetProperty("currentRun").GetString()));
        Assert.Equal(Gpu, byId[launching.InstanceId].GetProperty("profile").GetString());

        var onlyGpu = (await store.RunAsync("pool", "list", "--profile", Gpu, "--json")).Json();
        Assert.Equal([launching.InstanceId], onlyGpu.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("instanceId").GetString()));
        Assert.Equal(0, (await store.RunAsync("pool", "list", "--pool-root", "other-pool/", "--json")).Json().GetProperty("instances").GetArrayLength());
        await AssertExitAsync(store.RunAsync("pool", "list", "--profile", "Bad/Profile"), CliExitCodes.UsageError, "invalid --profile 'Bad/Profile'");
        await AssertExitAsync(store.RunAsync("pool", "list", "--pool-root", "runs/pool/"), CliExitCodes.UsageError, "invalid --pool-root 'runs/pool/'");
    }

    [Fact]
    public async Task Pool_drain_stops_claims_and_new_instances_for_every_process_and_resume_ends_it()
    {
        await using var store = await CliStore.LocalAsync();
        var pool = Pool(store);
        var idle = await LaunchAsync(pool, Cpu, "job-1");
        Assert.NotNull(await pool.CompleteJobAsync(Cpu, idle.InstanceId, "job-1", new RunExitRecord(0)));

        var drain = await store.RunAsync("pool", "drain");
        Assert.True(drain.ExitCode == 0, drain.ToString());
        Assert.Contains("draining", drain.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 idle", drain.Stdout, StringComparison.Ordinal);
        Assert.True(await pool.IsDrainingAsync());
        Assert.Null(await pool.TryClaimAsync(Cpu, "job-2"));
        Assert.Null(await pool.TryRegisterAsync(Cpu, "job-3", GceRunBackend.BackendName));
        Assert.True((await store.RunAsync("pool", "list", "--json")).Json().GetProperty("draining").GetBoolean());

        // An idle instance still retires itself at its idle timeout while the pool drains.
        Assert.NotNull(await pool.RetireAsync(Cpu, idle.InstanceId));

        var resume = await store.RunAsync("pool", "drain", "--resume", "--json");
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.False(resume.Json().GetProperty("draining").GetBoolean());
        Assert.False(await pool.IsDrainingAsync());
        Assert.NotNull(await pool.TryRegisterAsync(Cpu, "job-4", GceRunBackend.BackendName));
        await AssertExitAsync(store.RunAsync("pool", "drain", "--pool-root", "../pool/"), CliExitCodes.UsageError, "invalid --pool-root '../pool/'");
    }

    [Fact]
    public async Task Pool_cleanup_refuses_without_yes_and_reports_instances_it_has_no_host_for()
    {
        await using var store = await CliStore.LocalAsync();
        var pool = Pool(store);
        var running = await LaunchAsync(pool, Cpu, "job-1");
        var before = await pool.ListAsync().ToListAsync();

        var refused = await store.RunAsync("pool", "cleanup");
        Assert.Equal(CliExitCodes.UsageError, refused.ExitCode);
        Assert.Contains("Pass --yes to proceed", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("1 now, 1 of them running or starting a job", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, await pool.ListAsync().ToListAsync());
        Assert.False(await pool.IsDrainingAsync());

        // No Compute Engine project given: the gce instance keeps its machine and document, and that is a failure.
        var noHost = await store.RunAsync("pool", "cleanup", "--yes");
        Assert.True(noHost.ExitCode == CliExitCodes.Failure, noHost.ToString());
        Assert.Contains($"{running.InstanceId} ({Cpu}): no host for backend 'gce'", noHost.Stderr, StringComparison.Ordinal);
        Assert.Contains("need --gce-project and --gce-zone", noHost.Stderr, StringComparison.Ordinal);
        Assert.Equal(WarmInstanceState.Running, (await pool.GetAsync(Cpu, running.InstanceId))!.State);
        Assert.True(await pool.IsDrainingAsync());

        await AssertExitAsync(store.RunAsync("pool", "cleanup", "--yes", "--gce-project", "p"), CliExitCodes.UsageError, "needs at least one --gce-zone");
        await AssertExitAsync(store.RunAsync("pool", "cleanup", "--yes", "--gce-zone", "zone-a"), CliExitCodes.UsageError, "need --gce-project");
        await AssertExitAsync(store.RunAsync("pool", "cleanup", "--yes", "--gce-project", "p", "--gce-zone", "zone-a"), CliExitCodes.UsageError, "needs a gs:// storage");
        await AssertExitAsync(store.RunAsync("pool", "cleanup", "--yes", "--pool-root", "runs/"), CliExitCodes.UsageError, "invalid --pool-root 'runs/'");
    }

    [Fact]
    public async Task Pool_cleanup_with_yes_deletes_every_vm_through_the_compute_engine_host_running_ones_included()
    {
        await using var store = await CliStore.GcsAsync();
        using var sandbox = new TempDirectory("cli-pool-vms");
        await using var compute = await FakeComputeServer.StartAsync(new FakeComputeOptions { RequiredBearerToken = ComputeToken, SandboxRoot = sandbox.Path, MaxOperationWait = TimeSpan.FromMilliseconds(300) });
        var pool = Pool(store);
        var running = await LaunchAsync(pool, Cpu, "job-1");
        var idle = await LaunchAsync(pool, Gpu, "job-2");
        Assert.NotNull(await pool.CompleteJobAsync(Gpu, idle.InstanceId, "job-2", new RunExitRecord(0)));
        await InsertVmAsync(compute, running.InstanceId);
        await InsertVmAsync(compute, idle.InstanceId);
        var vanished = await LaunchAsync(pool, Cpu, "job-3"); // its VM was deleted by hand: deleting it again is success

        var environment = new Dictionary<string, string>(store.Environment) { ["STAGECRAFT_GCP_ACCESS_TOKEN"] = ComputeToken };
        var cleanup = await CliProcess.RunAsync(
            ["pool", "cleanup", "--yes", "--gce-project", compute.Options.Project, "--gce-zone", "zone-a", "--compute-endpoint", compute.Endpoint.ToString(), "--storage", store.Argument, "--json"],
            environment);

        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        var report = cleanup.Json();
        Assert.Equal(
            new[] { running.InstanceId, idle.InstanceId, vanished.InstanceId }.Order(StringComparer.Ordinal),
            report.GetProperty("deletedMachines").EnumerateArray().Select(i => i.GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(0, report.GetProperty("failures").GetInt32());
        Assert.Empty(compute.Instances);
        Assert.Empty(await pool.ListAsync().ToListAsync());
        Assert.True(await pool.IsDrainingAsync());

        var wrongToken = await CliProcess.RunAsync(
            ["pool", "cleanup", "--yes", "--gce-project", compute.Options.Project, "--gce-zone", "zone-a", "--compute-endpoint", compute.Endpoint.ToString(), "--storage", store.Argument],
            new Dictionary<string, string>(store.Environment) { ["STAGECRAFT_GCP_ACCESS_TOKEN"] = "not-the-token" });
        Assert.True(wrongToken.ExitCode == 0, wrongToken.ToString()); // nothing left to delete, so the token is never used
    }

    [Fact]
    public async Task Pool_cleanup_looks_after_local_workers_without_any_option()
    {
        await using var store = await CliStore.LocalAsync();
        var pool = Pool(store);

        // A local worker whose process has ended (its run directory holds no live supervisor): deleted and forgotten.
        var registration = (await pool.TryRegisterAsync(Cpu, "job-local", LocalRunBackend.BackendName))!;
        Assert.True(await pool.MarkLaunchedAsync(registration, Environment.MachineName + ":/nonexistent/stagecraft-run/dir"));

        var cleanup = await store.RunAsync("pool", "cleanup", "--yes");
        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        Assert.Contains(registration.Instance.InstanceId, cleanup.Stdout, StringComparison.Ordinal);
        Assert.Empty(await pool.ListAsync().ToListAsync());
    }

    private static WarmPool.WarmPool Pool(CliStore store) => new(store.Storage, new WarmPoolOptions
    {
        Profiles = new Dictionary<string, WarmPoolProfileOptions> { [Cpu] = new() { MaxInstances = 5 }, [Gpu] = new() { MaxInstances = 5 } },
    });

    /// <summary>Registers an instance for its first job and marks it launched in zone-a (state running), as a launch does.</summary>
    private static async Task<WarmInstance> LaunchAsync(WarmPool.WarmPool pool, string profile, string runId)
    {
        var registration = await pool.TryRegisterAsync(profile, runId, GceRunBackend.BackendName) ?? throw new InvalidOperationException($"the {profile} cap was reached");
        Assert.True(await pool.MarkLaunchedAsync(registration, "zone-a"));
        return (await pool.GetAsync(profile, registration.Instance.InstanceId))!;
    }

    /// <summary>Creates a VM named after the instance, without a startup script, as a pool launch would have.</summary>
    private static async Task InsertVmAsync(FakeComputeServer compute, string name)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(compute.Endpoint, $"compute/v1/projects/{compute.Options.Project}/zones/zone-a/instances"))
        {
            Content = new StringContent(new JsonObject
            {
                ["name"] = name,
                ["machineType"] = "zones/zone-a/machineTypes/e2-small",
                ["disks"] = new JsonArray { new JsonObject { ["boot"] = true, ["initializeParams"] = new JsonObject { ["sourceImage"] = "projects/debian-cloud/global/images/family/debian-12" } } },
                ["networkInterfaces"] = new JsonArray { new JsonObject { ["network"] = "global/networks/default" } },
            }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ComputeToken);
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (compute.GetInstance("zone-a", name)?.Status != "RUNNING" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal("RUNNING", compute.GetInstance("zone-a", name)?.Status);
    }

    private static async Task AssertExitAsync(Task<CliResult> run, int exitCode, string expected)
    {
        var result = await run;
        Assert.True(result.ExitCode == exitCode, $"expected exit {exitCode}: {result}");
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
    }
}
