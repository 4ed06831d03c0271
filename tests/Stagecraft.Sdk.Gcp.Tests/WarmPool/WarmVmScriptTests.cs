using System.Text;
using Stagecraft.Gcp.Auth;
using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Storage;
using Stagecraft.Runs;
using Stagecraft.Sdk.Gcp.Tests.Compute;
using Stagecraft.Sdk.Gcp.Tests.Storage;
using Stagecraft.WarmPool;

namespace Stagecraft.Sdk.Gcp.Tests.WarmPool;

/// <summary>
/// The startup script's idle loop, really run by bash in an emulated VM: several jobs on one VM, each with its own logs,
/// exit code, work directory and environment; the job document is the cold script's own job lines.
/// </summary>
public sealed class WarmVmScriptTests : IAsyncLifetime
{
    private const string Profile = "cpu-small";
    private ScriptTestBed _bed = null!;
    private GcsObjectStorage _storage = null!;
    private Stagecraft.WarmPool.WarmPool _pool = null!;

    public async Task InitializeAsync()
    {
        _bed = await ScriptTestBed.StartAsync();
        _storage = new GcsObjectStorage(GcsTestBed.ClientOptions(_bed.Server, TimeProvider.System) with { Credential = GcpCredentials.FromAccessToken(ScriptTestBed.Token) });
        _pool = new Stagecraft.WarmPool.WarmPool(_storage, new WarmPoolOptions
        {
            Profiles = new Dictionary<string, WarmPoolProfileOptions> { [Profile] = new() { IdleTimeout = TimeSpan.FromSeconds(3), AckTimeout = TimeSpan.FromSeconds(20) } },
            AckPollInterval = TimeSpan.FromMilliseconds(100),
        });
    }

    public async Task DisposeAsync()
    {
        _storage.Dispose();
        await _bed.DisposeAsync();
    }

    [Fact]
    public async Task Second_job_on_a_reused_vm_writes_its_own_paths_and_sees_neither_the_files_nor_the_environment_of_the_first()
    {
        var first = new RunSpec("warm-one", "/bin/sh", ["-c", "echo one-out; echo one-err >&2; echo left-behind >leftover; exit 3"])
        {
            Environment = new Dictionary<string, string> { ["FIRST_SECRET"] = "s3cret" },
        };
        var second = new RunSpec("warm-two", "/bin/sh", ["-c", "echo \"two secret=${FIRST_SECRET-unset} leftover=$(ls ../warm-one 2>/dev/null | wc -l) here=$(ls | grep -c leftover) run=$STAGECRAFT_RUN_ID\""]);
        var third = new RunSpec("warm-three", "/bin/sh", ["-c", "echo three; exit 7"]);

        var (vm, instanceId) = await StartPoolVmAsync(first);
        await WaitForStateAsync(instanceId, WarmInstanceState.Idle);
        Assert.Equal(WarmAckOutcome.Acked, await HandOverAsync(second));
        await WaitForExitCodeAsync(second.Paths);
        await WaitForStateAsync(instanceId, WarmInstanceState.Idle);
        Assert.Equal(WarmAckOutcome.Acked, await HandOverAsync(third));

        // Idle timeout: the VM leaves the pool (idle -> deleting) and its script ends.
        Assert.Equal(0, await vm.Exited.WaitAsync(ScriptTestBed.Generous));
        var console = vm.ConsoleOutput;

        Assert.Equal("one-out\n", _bed.Text(first.Paths, LogStream.Stdout));
        Assert.Equal("one-err\n", _bed.Text(first.Paths, LogStream.Stderr));
        Assert.Equal(3, _bed.ExitRecord(first.Paths)!.ExitCode);
        Assert.Equal("two secret=unset leftover=0 here=0 run=warm-two\n", _bed.Text(second.Paths, LogStream.Stdout));
        Assert.Equal(0, _bed.ExitRecord(second.Paths)!.ExitCode);
        Assert.Equal("three\n", _bed.Text(third.Paths, LogStream.Stdout));
        Assert.Equal(7, _bed.ExitRecord(third.Paths)!.ExitCode);

        // Nothing was written under another run's paths, nor under doubled prefixes.
        var names = _bed.Server.GetObjects(ScriptTestBed.Bucket).Select(o => o.Name).ToList();
        Assert.DoesNotContain(names, n => n.Contains("runs/runs/", StringComparison.Ordinal));
        Assert.All(names.Where(n => n.StartsWith(RunPaths.RootPrefix, StringComparison.Ordinal)), n =>
            Assert.True(n.StartsWith(first.Paths.Root, StringComparison.Ordinal) || n.StartsWith(second.Paths.Root, StringComparison.Ordinal) || n.StartsWith(third.Paths.Root, StringComparison.Ordinal), n));

        var document = await _pool.GetAsync(Profile, instanceId);
        Assert.Equal(WarmInstanceState.Deleting, document!.State);
        Assert.Equal(3, document.Jobs);

        // Each job's work directory is gone once it ended: the next job (or anyone on the VM) cannot read it.
        Assert.DoesNotContain(Directory.EnumerateDirectories(Path.Combine(vm.SandboxDirectory, "work")), d => Path.GetFileName(d).StartsWith("warm-", StringComparison.Ordinal));
        Assert.Contains("idle timeout", console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cold_and_warm_paths_run_a_job_with_the_same_environment_and_container_flags()
    {
        var env = new Dictionary<string, string> { ["ALPHA"] = "a b 'c'", ["BETA"] = "$(touch /tmp/never)" };
        RunSpec Spec(string runId) => new(runId, "/bin/sh", ["-c", "env | grep -E '^(ALPHA|BETA|STAGECRAFT_[A-Z_]*)=' | grep -v RUN_ID | grep -v OUTPUT_PREFIX | sort"]) { Environment = env, ResourceProfile = Profile };

        // The job document is exactly the cold script's job lines: one builder, one set of docker flags and variables.
        var coldScript = ScriptTestBed.Builder(Spec("same-cold")).Build();
        var coldJobLines = ScriptTestBed.Builder(Spec("same-cold")).BuildJob().Split('\n').Skip(1).Where(l => l.Length > 0).ToList();
        Assert.All(coldJobLines, line => Assert.Contains("\n" + line + "\n", coldScript, StringComparison.Ordinal));
        Assert.Contains(coldJobLines, l => l.StartsWith("sc_docker_flags=(", StringComparison.Ordinal));

        var (vm, instanceId) = await StartPoolVmAsync(Spec("same-cold"));
        await WaitForStateAsync(instanceId, WarmInstanceState.Idle);
        Assert.Equal(WarmAckOutcome.Acked, await HandOverAsync(Spec("same-warm")));
        await WaitForExitCodeAsync(Spec("same-warm").Paths);

        var cold = _bed.Text(Spec("same-cold").Paths, LogStream.Stdout);
        var warm = _bed.Text(Spec("same-warm").Paths, LogStream.Stdout);
        Assert.Contains("ALPHA=a b 'c'", cold, StringComparison.Ordinal);
        Assert.Equal(cold, warm);
        Assert.False(File.Exists("/tmp/never"));
        await vm.StopAsync(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task A_claim_released_before_the_vm_acks_is_never_run()
    {
        var (vm, instanceId) = await StartPoolVmAsync(new RunSpec("release-first", "/bin/true"));
        await WaitForStateAsync(instanceId, WarmInstanceState.Idle);

        // A launcher claims and writes the job, then gives up at once (its ACK timeout is as if already over): the VM
        // sees either the claim (and loses the ACK's compare-and-swap) or nothing.
        var late = new RunSpec("released-job", "/bin/sh", ["-c", "echo must-not-run"]);
        var claim = await _pool.TryClaimAsync(Profile, late.RunId) ?? throw new InvalidOperationException("no claim");
        await _pool.PutJobAsync(Profile, late.RunId, Encoding.UTF8.GetBytes(ScriptTestBed.Builder(late).BuildJob()));
        var released = await ReleaseNowAsync(claim);

        await Task.Delay(TimeSpan.FromSeconds(2));
        if (released)
        {
            Assert.Null(_bed.ExitRecord(late.Paths));
            Assert.DoesNotContain(_bed.Server.GetObjects(ScriptTestBed.Bucket), o => o.Name.StartsWith(late.Paths.Root, StringComparison.Ordinal));
            Assert.Equal(WarmInstanceState.Idle, (await _pool.GetAsync(Profile, instanceId))!.State);
        }
        else
        {
            // The VM ACKed first: then it runs the job exactly once.
            await WaitForExitCodeAsync(late.Paths);
            Assert.Equal("must-not-run\n", _bed.Text(late.Paths, LogStream.Stdout));
        }

        await vm.StopAsync(TimeSpan.FromSeconds(2));
    }

    private async Task<bool> ReleaseNowAsync(WarmClaim claim)
    {
        var fast = new Stagecraft.WarmPool.WarmPool(_storage, _pool.Options with
        {
            Profiles = new Dictionary<string, WarmPoolProfileOptions> { [Profile] = new() { AckTimeout = TimeSpan.FromMilliseconds(1) } },
        });
        return await fast.WaitForAckAsync(claim) == WarmAckOutcome.Released;
    }

    private async Task<(Stagecraft.Gcp.Emulation.Vms.EmulatedVm Vm, string InstanceId)> StartPoolVmAsync(RunSpec first)
    {
        var registration = await _pool.TryRegisterAsync(Profile, first.RunId, GceRunBackend.BackendName) ?? throw new InvalidOperationException("cap");
        var instanceId = registration.Instance.InstanceId;
        var script = new StartupScriptBuilder(first, ScriptTestBed.Bucket)
        {
            LogShipInterval = TimeSpan.FromMilliseconds(200),
            TerminationGracePeriod = TimeSpan.FromSeconds(1),
            WarmPool = new WarmPoolScriptOptions { Paths = _pool.Paths, Profile = Profile, InstanceId = instanceId, IdleTimeout = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(400) },
        }.Build();
        var vm = await _bed.StartVmAsync(script, instanceId);
        await _pool.MarkLaunchedAsync(registration, "zone-a");
        return (vm, instanceId);
    }

    private async Task<WarmAckOutcome> HandOverAsync(RunSpec spec)
    {
        var claim = await _pool.TryClaimAsync(Profile, spec.RunId) ?? throw new InvalidOperationException("nothing idle to claim");
        await _pool.PutJobAsync(Profile, spec.RunId, Encoding.UTF8.GetBytes(ScriptTestBed.Builder(spec).BuildJob()));
        return await _pool.WaitForAckAsync(claim);
    }

    private async Task WaitForStateAsync(string instanceId, WarmInstanceState state)
    {
        using var timeout = new CancellationTokenSource(ScriptTestBed.Generous);
        while ((await _pool.GetAsync(Profile, instanceId))?.State != state)
        {
            await Task.Delay(100, timeout.Token);
        }
    }

    private async Task WaitForExitCodeAsync(RunPaths paths)
    {
        using var timeout = new CancellationTokenSource(ScriptTestBed.Generous);
        while (_bed.ExitRecord(paths) is null)
        {
            await Task.Delay(100, timeout.Token);
        }
    }
}
