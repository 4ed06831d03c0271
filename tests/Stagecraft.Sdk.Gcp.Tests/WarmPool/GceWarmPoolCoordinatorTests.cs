using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Emulation.Compute;
using Stagecraft.Gcp.Emulation.Storage;
using Stagecraft.Runs;
using Stagecraft.Sdk.Gcp.Tests.Storage;
using Stagecraft.TestChild;
using Stagecraft.Testing;
using Stagecraft.WarmPool;
using Xunit.Abstractions;

namespace Stagecraft.Sdk.Gcp.Tests.WarmPool;

/// <summary>
/// Several coordinator processes share one warm pool over the fake GCS and launch jobs of two profiles on the fake
/// Compute API, whose VMs really run the generated scripts (idle loop included); and coordinators SIGKILLed at random
/// points while the reaper runs.
/// </summary>
/// <remarks>
/// Scale: this machine runs every emulated VM as a bash process, so CI uses <see cref="CiScale"/>. Set
/// <c>STAGECRAFT_WARMPOOL_FULL_SCALE=1</c> for the full proof (4 coordinators, 200 jobs, 25 VMs per profile; 50 kills).
/// </remarks>
public sealed partial class GceWarmPoolCoordinatorTests(ITestOutputHelper output)
{
    private const string ComputeToken = "compute-token";

    private static readonly Scale CiScale = new(Coordinators: 4, JobsPerCoordinator: 6, Cap: 3, Kills: 3, Parallel: 3);
    private static readonly Scale FullScale = new(Coordinators: 4, JobsPerCoordinator: 50, Cap: 25, Kills: 50, Parallel: 13);
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(20);

    private static Scale Current => Environment.GetEnvironmentVariable("STAGECRAFT_WARMPOOL_FULL_SCALE") == "1" ? FullScale : CiScale;

    [Fact]
    public async Task Coordinators_in_several_processes_never_double_claim_keep_each_jobs_paths_respect_the_caps_and_leave_nothing()
    {
        var scale = Current;
        await using var bed = await Bed.StartAsync();
        var started = DateTimeOffset.UtcNow;
        using var sampling = new CancellationTokenSource();
        var maxAlive = SampleAliveAsync(bed.Compute, sampling.Token);

        var done = new List<(string RunId, string Instance, string Code)>();
        var logs = new StringBuilder();
        using (var race = ProcessRace.Start(scale.Coordinators, bed.Sandbox.Combine("go"), (c, goFile) => bed.StartCoordinator(c.ToString(CultureInfo.InvariantCulture), scale.JobsPerCoordinator, scale.Cap, scale.Parallel, goFile)))
        {
            await race.GoAsync(Generous);
            foreach (var child in race.Children)
            {
                Assert.True(await child.WaitForExitAsync(Generous) == 0, child.StandardError);
                logs.Append(child.StandardError);
                done.AddRange(DoneLine().Matches(child.StandardOutput).Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value)));
            }
        }

        var jobs = scale.Coordinators * scale.JobsPerCoordinator;
        Assert.Equal(jobs, done.Count);

        // Every job's logs and exit code are in its own run's paths, and the job ran on the VM its handle names.
        var intervals = new List<(string Vm, long Start, long End, string RunId)>();
        foreach (var (runId, instance, code) in done)
        {
            var number = int.Parse(runId[(runId.IndexOf("-j", StringComparison.Ordinal) + 2)..], CultureInfo.InvariantCulture);
            Assert.Equal((number % 4).ToString(CultureInfo.InvariantCulture), code);
            var paths = new RunPaths(runId);
            Assert.Equal(number % 4, RunExitRecord.Parse(Encoding.UTF8.GetString(bed.Gcs.GetObject(GcsTestBed.Bucket, paths.ExitCode)!.Data)).ExitCode);
            var stdout = Encoding.UTF8.GetString([.. bed.Gcs.GetObjects(GcsTestBed.Bucket).Where(o => o.Name.StartsWith(paths.LogChunkPrefix(LogStream.Stdout), StringComparison.Ordinal)).SelectMany(o => o.Data)]);
            var line = JobLine().Match(stdout);
            Assert.True(line.Success, $"{runId}: {stdout}");
            Assert.Equal(runId, line.Groups[1].Value);
            Assert.True(instance == line.Groups[2].Value, $"{runId} was handed {instance} but ran on {line.Groups[2].Value}; stdout: {stdout}\n" + string.Join("\n", bed.Compute.CreatedInstances.Where(i => i.Vm?.ConsoleOutput.Contains(runId, StringComparison.Ordinal) == true).Select(i => i.Name + ":\n" + i.Vm!.ConsoleOutput)) + "\ncoordinators:\n" + string.Join("\n", logs.ToString().Split('\n').Where(l => l.Contains(runId, StringComparison.Ordinal)))
                + "\ndocument:\n" + string.Join("\n", bed.Gcs.Commits.Where(c => c.Object.Name.Contains(line.Groups[2].Value, StringComparison.Ordinal)).Select(c => $"{c.Sequence} {c.Operation} {c.Object.Generation} {Encoding.UTF8.GetString(c.Object.Data)}")));
            intervals.Add((instance, long.Parse(line.Groups[3].Value, CultureInfo.InvariantCulture), long.Parse(line.Groups[4].Value, CultureInfo.InvariantCulture), runId));
        }

        // 0 double claims: no two jobs ever ran on one VM at once.
        foreach (var vm in intervals.GroupBy(i => i.Vm))
        {
            var ordered = vm.OrderBy(i => i.Start).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                Assert.True(ordered[i].Start >= ordered[i - 1].End, $"{vm.Key} ran {ordered[i - 1].RunId} and {ordered[i].RunId} at once");
            }
        }

        // And from the documents' histories: every move to running is the ACK of that run's claim (or the first job of a
        // fresh instance); no instance ever ran a second run without going idle in between.
        foreach (var history in bed.Gcs.Commits.Where(c => c.Object.Name.Contains("/instances/", StringComparison.Ordinal)).GroupBy(c => c.Object.Name))
        {
            var states = history.OrderBy(c => c.Sequence).Select(c => DocumentState().Match(Encoding.UTF8.GetString(c.Object.Data))).Select(m => (State: m.Groups[1].Value, RunId: m.Groups[2].Value)).ToList();
            for (var i = 1; i < states.Count; i++)
            {
                if (states[i].State == "running")
                {
                    Assert.True(states[i - 1].State is "claimed" or "launching" && states[i - 1].RunId == states[i].RunId, $"{history.Key}: {states[i - 1]} -> {states[i]}");
                }
            }
        }

        var poolVms = bed.Compute.CreatedInstances.Where(i => i.Name.StartsWith(WarmPoolNames.InstancePrefix, StringComparison.Ordinal)).ToList();
        var reused = intervals.Count(i => i.Vm.StartsWith(WarmPoolNames.InstancePrefix, StringComparison.Ordinal)) - poolVms.Count;
        Assert.True(reused > 0, "no job reused a warm VM");

        // Every VM deletes itself (pool VMs after the idle timeout); then the reaper forgets them and nothing is left.
        await WaitUntilAsync(() => bed.Compute.Instances.Count == 0);
        await sampling.CancelAsync();
        var alive = await maxAlive;
        foreach (var profile in WarmPoolGceCommands.Profiles)
        {
            Assert.True(alive.GetValueOrDefault(profile) <= scale.Cap, $"{profile}: {alive.GetValueOrDefault(profile)} pool VMs alive at once, cap {scale.Cap}");
        }

        using var storage = bed.Storage();
        var pool = bed.Pool(storage, scale.Cap);
        Assert.All(await pool.ListAsync().ToListAsync(), i => Assert.True(
            i.State == WarmInstanceState.Deleting,
            $"{i.InstanceId} left the pool as {i.State}:\n{bed.Compute.CreatedInstances.FirstOrDefault(v => v.Name == i.InstanceId)?.Vm?.ConsoleOutput}"));
        using var host = new GceWarmInstanceHost(bed.Options(scale.Cap));
        await new WarmPoolReaper(pool, [host]).ReapAsync();
        Assert.Empty(await pool.ListAsync().ToListAsync());
        Assert.Empty((await pool.CleanupAsync([host], confirm: true)).DeletedMachines);
        output.WriteLine($"{scale.Coordinators} coordinators, {jobs} jobs, cap {scale.Cap}/profile: {bed.Compute.CreatedInstances.Count} VMs created ({poolVms.Count} pool VMs, {reused} warm reuses), most pool VMs alive at once {string.Join(", ", alive.Select(a => $"{a.Key}={a.Value}"))}, {(DateTimeOffset.UtcNow - started).TotalSeconds:0}s");
    }

    [Fact]
    public async Task The_reaper_never_deletes_a_running_or_freshly_launched_vm_when_coordinators_die_at_random_points()
    {
        var scale = Current;
        await using var bed = await Bed.StartAsync();
        using var storage = bed.Storage();
        var pool = bed.Pool(storage, scale.Cap);
        using var host = new GceWarmInstanceHost(bed.Options(scale.Cap));
        var reaper = new WarmPoolReaper(pool, [host]);
        var deletedByReaper = new List<string>();
        for (var kill = 0; kill < scale.Kills; kill++)
        {
            var goFile = bed.Sandbox.Combine($"go-{kill}");
            using var child = bed.StartCoordinator($"k{kill}", jobs: 4, scale.Cap, parallel: 2, goFile);

            // Random points are counted from the end of start-up, which a loaded machine stretches past them all.
            await child.WaitForLineAsync(l => l == "ready", TimeSpan.FromSeconds(90));
            File.WriteAllText(goFile, "go");
            if (kill == scale.Kills - 1)
            {
                // The last coordinator dies only after a job started, so the check below always has something to check.
                await WaitUntilAsync(() => bed.Compute.CreatedInstances.Any(i => StartedLine().IsMatch(i.Vm?.ConsoleOutput ?? string.Empty)));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(300, 4000)));
            child.Kill(); // SIGKILL at a random point of launch / claim / ACK wait / status polling
            await child.WaitForExitAsync(TimeSpan.FromSeconds(30));
            deletedByReaper.AddRange((await reaper.ReapAsync()).DeletedMachines);
        }

        // Every job a VM started finished and stored its exit code: the reaper interrupted none.
        await WaitUntilAsync(() => bed.Compute.Instances.Count == 0);
        var started = 0;
        foreach (var instance in bed.Compute.CreatedInstances)
        {
            foreach (Match m in StartedLine().Matches(instance.Vm?.ConsoleOutput ?? string.Empty))
            {
                started++;
                var runId = m.Groups[1].Value;
                var exit = bed.Gcs.GetObject(GcsTestBed.Bucket, new RunPaths(runId).ExitCode);
                Assert.True(exit is not null, $"{runId} started on {instance.Name} but never stored an exit code:\n{instance.Vm!.ConsoleOutput}");
                var number = int.Parse(runId[(runId.IndexOf("-j", StringComparison.Ordinal) + 2)..], CultureInfo.InvariantCulture);
                Assert.Equal(number % 4, RunExitRecord.Parse(Encoding.UTF8.GetString(exit.Data)).ExitCode);
            }
        }

        Assert.True(started > 0, "no coordinator lived long enough to start a job");

        // The reaper deleted only idle VMs, never one with a job (those finished above); afterwards, with the launch grace
        // over, no document points at a gone VM.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var late = bed.Pool(storage, scale.Cap, launchGrace: TimeSpan.FromMilliseconds(1));
        await new WarmPoolReaper(late, [host]).ReapAsync();
        Assert.Empty(await late.ListAsync().ToListAsync());
        output.WriteLine($"{scale.Kills} coordinator kills: {bed.Compute.CreatedInstances.Count} VMs, {started} jobs started and all finished, reaper deleted {deletedByReaper.Count} idle VMs during the kills");
    }

    private static async Task<Dictionary<string, int>> SampleAliveAsync(FakeComputeServer compute, CancellationToken cancellationToken)
    {
        var max = new Dictionary<string, int>(StringComparer.Ordinal);
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var group in compute.Instances.Where(i => i.Name.StartsWith(WarmPoolNames.InstancePrefix, StringComparison.Ordinal)).GroupBy(ProfileOf))
            {
                max[group.Key] = Math.Max(max.GetValueOrDefault(group.Key), group.Count());
            }

            try
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return max;
    }

    private static string ProfileOf(FakeInstance instance) =>
        instance.Resource["machineType"]!.GetValue<string>().EndsWith("e2-standard-4", StringComparison.Ordinal) ? "cpu-small" : "cpu-large";

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Generous);
        while (!condition())
        {
            await Task.Delay(200, timeout.Token);
        }
    }

    [GeneratedRegex(@"^done (\S+) (\S+) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex DoneLine();

    [GeneratedRegex(@"job=(\S+) vm=(\S+) start=(\d+) end=(\d+)")]
    private static partial Regex JobLine();

    [GeneratedRegex(@"""state"":""([a-z]+)"",""runId"":""([a-z0-9-]*)""")]
    private static partial Regex DocumentState();

    [GeneratedRegex(@"starting run (\S+)")]
    private static partial Regex StartedLine();

    private sealed record Scale(int Coordinators, int JobsPerCoordinator, int Cap, int Kills, int Parallel);

    private sealed class Bed : IAsyncDisposable
    {
        private Bed(FakeGcsServer gcs, FakeComputeServer compute, TempDirectory sandbox) => (Gcs, Compute, Sandbox) = (gcs, compute, sandbox);

        public FakeGcsServer Gcs { get; }

        public FakeComputeServer Compute { get; }

        public TempDirectory Sandbox { get; }

        public static async Task<Bed> StartAsync()
        {
            var sandbox = new TempDirectory("gce-coordinators");
            var gcs = await FakeGcsServer.StartAsync(new FakeGcsOptions { Buckets = [GcsTestBed.Bucket], RequiredBearerToken = GcsTestBed.Token });
            var compute = await FakeComputeServer.StartAsync(new FakeComputeOptions
            {
                RequiredBearerToken = ComputeToken,
                VmAccessToken = GcsTestBed.Token,
                StorageEndpoint = gcs.Endpoint,
                SandboxRoot = sandbox.Path,
                ShutdownGracePeriod = TimeSpan.FromSeconds(3),
                MaxOperationWait = TimeSpan.FromMilliseconds(300),
                MaxPageSize = 100,
            });
            return new Bed(gcs, compute, sandbox);
        }

        public GceRunBackendOptions Options(int cap) => WarmPoolGceCommands.Options(Compute.Endpoint, ComputeToken, GcsTestBed.Bucket, cap, IdleTimeout);

        public Stagecraft.Gcp.Storage.GcsObjectStorage Storage() => WarmPoolGceCommands.Storage(Gcs.Endpoint, GcsTestBed.Token, GcsTestBed.Bucket);

        public Stagecraft.WarmPool.WarmPool Pool(Stagecraft.Gcp.Storage.GcsObjectStorage storage, int cap, TimeSpan? launchGrace = null)
        {
            var options = Options(cap).WarmPool!;
            return new Stagecraft.WarmPool.WarmPool(storage, launchGrace is { } grace ? options with { LaunchGrace = grace } : options);
        }

        public TestChildProcess StartCoordinator(string worker, int jobs, int cap, int parallel, string goFile) => TestChildProcess.Start(
            "warmpool-gce-coordinator",
            Compute.Endpoint.AbsoluteUri, ComputeToken, Gcs.Endpoint.AbsoluteUri, GcsTestBed.Token, GcsTestBed.Bucket, worker,
            jobs.ToString(CultureInfo.InvariantCulture), cap.ToString(CultureInfo.InvariantCulture),
            ((int)IdleTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), goFile, parallel.ToString(CultureInfo.InvariantCulture));

        public async ValueTask DisposeAsync()
        {
            await Compute.DisposeAsync();
            await Gcs.DisposeAsync();
            Sandbox.Dispose();
        }
    }
}
