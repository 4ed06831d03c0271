using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Emulation.Compute;
using Stagecraft.Gcp.Emulation.Faults;
using Stagecraft.Runs;

namespace Stagecraft.Sdk.Gcp.Tests.Compute;

/// <summary>
/// A finished VM does not keep running (and billing): it deletes itself after storing its exit code, and the backend
/// deletes one that could not.
/// </summary>
public sealed class GceInstanceLifetimeTests : GceBackendTestBase
{
    [Fact]
    public async Task A_finished_vm_deletes_itself_after_storing_its_exit_code()
    {
        var handle = await Backend.LaunchAsync(new RunSpec("self-deleting", "/bin/sh", ["-c", "echo done"]));

        // Only storage and the fake are watched: the backend is never asked, so the VM alone deleted itself.
        await WaitUntilAsync(async () => await Storage.StatAsync(handle.Paths.ExitCode) is not null);
        await WaitUntilAsync(() => InstanceOf(handle) is null);

        Assert.Single(Deletes());
        Assert.Equal(RunState.Succeeded, (await Backend.GetStatusAsync(handle)).State);
        Assert.Single(Deletes()); // the status check found it gone and sent nothing
    }

    [Fact]
    public async Task With_deletion_off_a_finished_vm_stays_until_it_is_terminated()
    {
        var backend = CreateBackend(Bed.Options() with { DeleteInstanceWhenDone = false });
        var handle = await backend.LaunchAsync(new RunSpec("kept-for-inspection", "/bin/sh", ["-c", "echo done"]));

        var status = await backend.WaitForCompletionAsync(handle, cancellationToken: Timeout());
        await Task.Delay(500); // room for a (wrong) self-deletion to show up

        Assert.Equal(RunState.Succeeded, status.State);
        Assert.NotNull(InstanceOf(handle));
        Assert.Empty(Deletes());

        var afterTerminate = await backend.TerminateAsync(handle);
        Assert.Equal((RunState.Succeeded, 0), (afterTerminate.State, afterTerminate.ExitCode)); // its own code stays
        Assert.Null(InstanceOf(handle));
    }

    [Fact]
    public async Task A_vm_not_allowed_to_delete_itself_is_deleted_by_the_first_status_check_that_sees_the_run_finished()
    {
        var denied = Compute.Faults.Add(new FaultRule<FakeComputeRequest> { Kind = FaultKind.Status, StatusCode = 403, Matches = r => r.Method == "DELETE" });
        var handle = await Backend.LaunchAsync(new RunSpec("not-allowed", "/bin/sh", ["-c", "echo done"]));

        await WaitUntilAsync(() => Compute.Faults.Injected.Any(f => f.Rule == denied));
        Assert.NotNull(InstanceOf(handle)); // the VM asked and was refused: still running

        var status = await Backend.GetStatusAsync(handle);
        await WaitUntilAsync(() => InstanceOf(handle) is null);

        Assert.Equal(RunState.Succeeded, status.State);
        Assert.Equal(2, Deletes().Count);
    }

    [Fact]
    public void The_script_deletes_the_vm_only_when_asked_and_only_after_the_exit_code()
    {
        var on = new StartupScriptBuilder(new RunSpec("script-on", "/bin/true"), "bucket") { DeleteInstanceWhenDone = true, ComputeEndpoint = new Uri("http://127.0.0.1:9/") }.Build();
        var off = new StartupScriptBuilder(new RunSpec("script-off", "/bin/true"), "bucket").Build();

        Assert.Contains("sc_delete_when_done='1'", on, StringComparison.Ordinal);
        Assert.Contains("sc_compute_endpoint='http://127.0.0.1:9'", on, StringComparison.Ordinal);
        Assert.Contains("sc_delete_when_done='0'", off, StringComparison.Ordinal);
        Assert.True(
            on.IndexOf("sc_upload \"$sc_work/exit_code\"", StringComparison.Ordinal) < on.LastIndexOf("sc_delete_self", StringComparison.Ordinal),
            "the VM must store its exit code before it deletes itself");
    }

    private List<FakeComputeRequest> Deletes() => [.. Compute.Requests.Where(r => r.Method == "DELETE")];
}
