using System.Text;
using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Emulation.Compute;
using Stagecraft.Gcp.Emulation.Faults;
using Stagecraft.Runs;

namespace Stagecraft.Sdk.Gcp.Tests.Compute;

/// <summary>Launch behaviour specific to Compute Engine: zone fallback, quota errors (in the operation or refused at once), rate limits, label limits, retried inserts, the instance body.</summary>
public sealed class GceRunBackendTests : GceBackendTestBase
{
    [Fact]
    public async Task A_stockout_in_the_first_zone_lands_the_vm_in_the_next_one()
    {
        Compute.SetStockout("zone-a");

        var handle = await Backend.LaunchAsync(new RunSpec("stockout-fallback", "/bin/sh", ["-c", "echo landed"]));
        var status = await Backend.WaitForCompletionAsync(handle, cancellationToken: Timeout());

        Assert.Equal("zone-b", handle.Properties["zone"]);
        Assert.Equal(RunState.Succeeded, status.State);
        Assert.Equal("zone-b", Assert.Single(Compute.CreatedInstances).Zone);
    }

    [Fact]
    public async Task Launch_and_status_address_the_instance_by_name_and_never_list_instances()
    {
        // Status polling that scanned every running instance would cost O(n) per poll; lookups go by zone and name.
        var handles = new List<RunHandle>();
        for (var i = 0; i < 3; i++)
        {
            handles.Add(await Backend.LaunchAsync(new RunSpec($"no-scan-{i}", "/bin/sh", ["-c", "echo hi"])));
        }

        foreach (var handle in handles)
        {
            Assert.Equal(RunState.Succeeded, (await Backend.WaitForCompletionAsync(handle, cancellationToken: Timeout())).State);
        }

        Assert.NotEmpty(Compute.Requests);
        Assert.DoesNotContain(Compute.Requests, r => r.Method == "GET" && r.Path.EndsWith("/instances", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_every_zone_is_stocked_out_the_launch_fails_naming_the_zones()
    {
        foreach (var zone in Compute.Options.Zones)
        {
            Compute.SetStockout(zone);
        }

        var ex = await Assert.ThrowsAsync<GceCapacityExhaustedException>(() => Backend.LaunchAsync(new RunSpec("no-capacity", "/bin/true")));
        Assert.Equal(Compute.Options.Zones, ex.Zones);
        Assert.Empty(Compute.CreatedInstances);
    }

    [Fact]
    public async Task Quota_exceeded_fails_clearly_without_trying_other_zones()
    {
        Compute.SetQuotaExceeded("zone-a", "CPUS");

        var ex = await Assert.ThrowsAsync<GceQuotaExceededException>(() => Backend.LaunchAsync(new RunSpec("no-quota", "/bin/true")));

        Assert.Contains("CPUS", ex.Message, StringComparison.Ordinal);
        Assert.Equal("zone-a", ex.Zone);
        Assert.DoesNotContain(Compute.Requests, r => r.IsInsert && r.Zone != "zone-a");
    }

    [Fact]
    public async Task An_insert_whose_response_is_lost_is_retried_with_the_same_request_id_and_creates_one_vm()
    {
        var rule = Compute.Faults.Add(FaultRule<FakeComputeRequest>.OnNth(1, FaultKind.ResetAfterProcessing, r => r.IsInsert));

        var handle = await Backend.LaunchAsync(new RunSpec("lost-insert", "/bin/sh", ["-c", "echo once"]));
        var status = await Backend.WaitForCompletionAsync(handle, cancellationToken: Timeout());

        Assert.Equal(1, rule.Hits);
        var inserts = Compute.Requests.Where(r => r.IsInsert).ToList();
        Assert.Equal(2, inserts.Count);
        Assert.Equal(inserts[0].RequestId, inserts[1].RequestId);
        Assert.Single(Compute.CreatedInstances);
        Assert.Equal(RunState.Succeeded, status.State);
    }

    [Fact]
    public void Invalid_environment_names_are_rejected_before_any_vm_exists()
    {
        Assert.Throws<InvalidRunSpecException>(() => new RunSpec("bad-name", "/bin/true") { Environment = new Dictionary<string, string> { ["BAD;touch x"] = "v" } });
        Assert.Empty(Compute.Requests);
    }

    [Fact]
    public async Task A_snapshot_the_backend_cannot_deliver_is_rejected_before_any_vm_exists()
    {
        // A backend that cannot deliver a snapshot says so, rather than running the stage without it.
        Assert.False(Backend.Capabilities.SupportsSnapshots);
        var snapshot = new RunSpec("snapshot-run", "/bin/true") { Snapshot = new byte[] { 1 } };

        var error = await Assert.ThrowsAsync<InvalidRunSpecException>(() => Backend.LaunchAsync(snapshot));

        Assert.Contains("snapshot", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Compute.Requests);
    }

    [Fact]
    public async Task An_unknown_resource_profile_is_rejected_before_any_vm_exists()
    {
        var error = await Assert.ThrowsAsync<InvalidRunSpecException>(() => Backend.LaunchAsync(new RunSpec("unknown-profile", "/bin/true") { ResourceProfile = "tpu-huge" }));

        Assert.Contains("tpu-huge", error.Message, StringComparison.Ordinal);
        Assert.Empty(Compute.Requests);
    }

    [Fact]
    public async Task The_instance_carries_labels_metadata_and_gpu_and_spot_scheduling()
    {
        var backend = CreateBackend(Bed.Options() with { Owner = "ci" });
        var spec = new RunSpec("gpu-spot", "/bin/true") { ResourceProfile = "h100-spot", Labels = new Dictionary<string, string> { ["team"] = "vision" } };

        var handle = await backend.LaunchAsync(spec);
        await backend.WaitForCompletionAsync(handle, cancellationToken: Timeout());

        var resource = Assert.Single(Compute.CreatedInstances).Resource;
        Assert.Equal("gpu-spot", resource["labels"]!["stagecraft-run-id"]!.GetValue<string>());
        Assert.Equal("ci", resource["labels"]!["stagecraft-owner"]!.GetValue<string>());
        Assert.Equal("vision", resource["labels"]!["team"]!.GetValue<string>());
        Assert.Equal("TERMINATE", resource["scheduling"]!["onHostMaintenance"]!.GetValue<string>());
        Assert.Equal("SPOT", resource["scheduling"]!["provisioningModel"]!.GetValue<string>());
        Assert.Equal("DELETE", resource["scheduling"]!["instanceTerminationAction"]!.GetValue<string>());
        Assert.EndsWith("acceleratorTypes/nvidia-h100-80gb", resource["guestAccelerators"]![0]!["acceleratorType"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.EndsWith("machineTypes/a3-highgpu-1g", resource["machineType"]!.GetValue<string>(), StringComparison.Ordinal);
        var items = resource["metadata"]!["items"]!.AsArray().Select(i => i!["key"]!.GetValue<string>()).ToList();
        Assert.Contains("startup-script", items);
        Assert.Contains("stagecraft-run-spec", items);
    }

    [Fact]
    public async Task A_preempted_vm_records_143_and_the_status_says_preempted()
    {
        var handle = await Backend.LaunchAsync(new RunSpec("preempted", "/bin/sh", ["-c", "echo up; while :; do sleep 0.1; done"]));
        await WaitForLineAsync(handle, "up");

        await Compute.PreemptAsync(handle.Properties["zone"], handle.Properties["instance"]);
        var status = await Backend.GetStatusAsync(handle);

        Assert.Equal((RunState.Failed, 143), (status.State, status.ExitCode));
        Assert.Contains("preempted", status.Message, StringComparison.Ordinal);
        Assert.Equal(RunInterruption.Preempted, status.Interruption);
        Assert.True(status.IsInterrupted);
    }

    [Fact]
    public async Task A_vm_stopped_by_the_provider_before_an_exit_code_was_stored_is_lost_and_classified_preempted()
    {
        var handle = await Backend.LaunchAsync(new RunSpec("stopped-early", "/bin/sh", ["-c", "echo up; while :; do sleep 0.1; done"]));
        await WaitForLineAsync(handle, "up");

        // The instance ends TERMINATED (stopped, not deleted) and no exit code reached storage (e.g. its upload never finished).
        await Compute.PreemptAsync(handle.Properties["zone"], handle.Properties["instance"]);
        await Storage.DeleteAsync(handle.Paths.ExitCode);
        var status = await Backend.GetStatusAsync(handle);

        Assert.Equal((RunState.Lost, RunInterruption.Preempted), (status.State, status.Interruption));
    }

    [Fact]
    public async Task Our_own_terminate_is_never_classified_as_preemption()
    {
        var handle = await Backend.LaunchAsync(new RunSpec("terminated-by-us", "/bin/sh", ["-c", "echo up; while :; do sleep 0.1; done"]));
        await WaitForLineAsync(handle, "up");

        var terminated = await Backend.TerminateAsync(handle);
        var status = await Backend.GetStatusAsync(handle);

        Assert.Equal((RunState.Terminated, 143, RunInterruption.None), (terminated.State, terminated.ExitCode, terminated.Interruption));
        Assert.Equal((RunState.Terminated, RunInterruption.None), (status.State, status.Interruption));
        Assert.False(status.IsInterrupted);
    }

    [Fact]
    public async Task A_deleted_vm_without_an_exit_code_is_lost_and_terminate_of_a_gone_vm_succeeds()
    {
        var handle = await Backend.LaunchAsync(new RunSpec("vanished", "/bin/sh", ["-c", "echo up; while :; do sleep 0.1; done"]));
        await WaitForLineAsync(handle, "up");
        var instance = InstanceOf(handle)!;

        // The VM dies hard (no shutdown script), then disappears: nobody wrote an exit code.
        await instance.Vm!.StopAsync(TimeSpan.Zero);
        await Storage.DeleteAsync(handle.Paths.ExitCode);
        using (var http = new HttpClient())
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(Compute.Endpoint, $"compute/v1/projects/{Compute.Options.Project}/zones/{handle.Properties["zone"]}/instances/{handle.Properties["instance"]}"));
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GceTestBed.ComputeToken);
            (await http.SendAsync(request)).EnsureSuccessStatusCode();
        }

        await WaitUntilAsync(() => InstanceOf(handle) is null);

        await Storage.DeleteAsync(handle.Paths.ExitCode);
        var lost = await Backend.GetStatusAsync(handle);
        Assert.Equal((RunState.Lost, RunInterruption.MachineLost), (lost.State, lost.Interruption));
        Assert.Equal(RunState.Terminated, (await Backend.TerminateAsync(handle)).State);
    }

    [Fact]
    public async Task An_app_bundle_of_a_dotnet_program_runs_end_to_end_in_an_emulated_vm()
    {
        // The bundle is the TestChild console app's build output (what `dotnet publish` of an experiment would upload).
        var bundleBytes = TestChildBundle();
        var bundle = AppBundle.ForDigest(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bundleBytes)));
        using (var content = new MemoryStream(bundleBytes))
        {
            await Storage.PutAsync(bundle.Key, content);
        }

        var backend = CreateBackend(Bed.Options() with { Bundle = bundle });
        var handle = await backend.LaunchAsync(new RunSpec("bundled-dotnet", "dotnet", ["Stagecraft.TestChild.dll", "echo", "hello from", "the bundle"]));
        var status = await backend.WaitForCompletionAsync(handle, cancellationToken: Timeout());

        var stdout = new List<string>();
        await foreach (var line in backend.StreamLogsAsync(handle, LogStream.Stdout))
        {
            stdout.Add(line);
        }

        Assert.True(status.State == RunState.Succeeded, status + "\n" + string.Join("\n", stdout));
        Assert.Equal(["hello from the bundle"], stdout);
    }

    private static byte[] TestChildBundle()
    {
        // The files the app needs: its own three, plus every runtime assembly its deps.json names, taken from the
        // TestChild project's own output (this test project gets some of them from the ASP.NET shared framework instead).
        var sep = Path.DirectorySeparatorChar;
        var dir = AppContext.BaseDirectory.Replace($"{sep}Stagecraft.Sdk.Gcp.Tests{sep}bin{sep}", $"{sep}Stagecraft.TestChild{sep}bin{sep}", StringComparison.Ordinal);
        var files = new SortedSet<string>(StringComparer.Ordinal) { "Stagecraft.TestChild.dll", "Stagecraft.TestChild.deps.json", "Stagecraft.TestChild.runtimeconfig.json" };
        using (var deps = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "Stagecraft.TestChild.deps.json"))))
        {
            foreach (var target in deps.RootElement.GetProperty("targets").EnumerateObject())
            {
                foreach (var library in target.Value.EnumerateObject())
                {
                    if (library.Value.TryGetProperty("runtime", out var runtime))
                    {
                        foreach (var asset in runtime.EnumerateObject())
                        {
                            files.Add(Path.GetFileName(asset.Name));
                        }
                    }
                }
            }
        }

        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new System.Formats.Tar.TarWriter(gzip, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var file in files)
            {
                tar.WriteEntry(Path.Combine(dir, file), file);
            }
        }

        return buffer.ToArray();
    }

    [Fact]
    public async Task An_insert_refused_at_once_for_gpu_quota_is_a_quota_error_naming_the_metric_and_tries_no_other_zone()
    {
        Compute.RefuseInsertsForQuota("zone-a", "GPUS_ALL_REGIONS");

        var ex = await Assert.ThrowsAsync<GceQuotaExceededException>(() => Backend.LaunchAsync(new RunSpec("gpu-quota", "/bin/true")));

        Assert.Contains("GPUS_ALL_REGIONS", ex.Message, StringComparison.Ordinal);
        Assert.Equal("zone-a", ex.Zone);
        Assert.Equal(403, ex.HttpStatus);
        Assert.DoesNotContain(Compute.Requests, r => r.IsInsert && r.Zone != "zone-a");
        Assert.Empty(Compute.CreatedInstances);
    }

    [Fact]
    public async Task A_rate_limited_insert_is_retried_with_backoff_and_creates_one_vm()
    {
        Compute.RateLimitNextInserts(2);

        var handle = await Backend.LaunchAsync(new RunSpec("rate-limited", "/bin/sh", ["-c", "echo through"]));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var status = await Backend.WaitForCompletionAsync(handle, cancellationToken: timeout.Token);

        Assert.Equal(RunState.Succeeded, status.State);
        Assert.Equal(3, Compute.Requests.Count(r => r.IsInsert));
        Assert.Single(Compute.CreatedInstances);
    }

    [Fact]
    public async Task Labels_that_with_the_backends_own_exceed_64_are_refused_before_any_vm_naming_the_limit()
    {
        var labels = Enumerable.Range(0, 63).ToDictionary(i => $"team-{i}", _ => "x");

        var ex = await Assert.ThrowsAsync<InvalidRunSpecException>(() => Backend.LaunchAsync(new RunSpec("many-labels", "/bin/true") { Labels = labels }));

        Assert.Contains("64", ex.Message, StringComparison.Ordinal);
        Assert.Contains(GceRunBackend.RunIdLabel, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Compute.Requests, r => r.IsInsert);
        Assert.Null(await Storage.StatAsync(new RunPaths("many-labels").RunRecord));
    }
}
