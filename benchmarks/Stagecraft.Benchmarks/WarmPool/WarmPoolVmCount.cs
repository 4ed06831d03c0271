using System.Diagnostics;
using System.Globalization;
using Stagecraft.Gcp.Auth;
using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Emulation.Compute;
using Stagecraft.Gcp.Emulation.Storage;
using Stagecraft.Gcp.Http;
using Stagecraft.Gcp.Storage;
using Stagecraft.Runs;
using Stagecraft.Testing;
using Stagecraft.WarmPool;

namespace Stagecraft.Benchmarks.WarmPool;

/// <summary>
/// A sequential pipeline of short stages on one resource profile, launched through <see cref="GceRunBackend"/> against
/// the fake Compute API (whose VMs run the generated startup scripts) without and then with the warm pool, both in one
/// run: prints the VMs each created (counted from the fake Compute API), the wall time of each, and the ratios.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project benchmarks/Stagecraft.Benchmarks -- warm-pool-vms [STAGES]</c> (default 20). An
/// emulated VM boots in milliseconds, so the time ratio here understates the real saving (a Compute Engine VM takes about
/// a minute to boot); the VM count is the figure that carries over.
/// </remarks>
internal static class WarmPoolVmCount
{
    private const string Bucket = "bench-bucket";
    private const string GcsToken = "gcs-token";
    private const string ComputeToken = "compute-token";
    private const string Profile = "cpu-small";

    public static async Task<int> RunAsync(string[] args)
    {
        var stages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        Console.WriteLine($"# {stages} sequential stages on profile {Profile}; load: {File.ReadAllText("/proc/loadavg").Trim()}");
        var (coldVms, coldTime) = await RunPipelineAsync(stages, pooled: false);
        var (warmVms, warmTime) = await RunPipelineAsync(stages, pooled: true);
        Console.WriteLine($"without pool: {coldVms} VMs, {coldTime.TotalSeconds:F1} s ({coldTime.TotalMilliseconds / stages:F0} ms/stage)");
        Console.WriteLine($"with pool:    {warmVms} VMs, {warmTime.TotalSeconds:F1} s ({warmTime.TotalMilliseconds / stages:F0} ms/stage)");
        Console.WriteLine($"ratio VMs with/without: {(double)warmVms / coldVms:F3}; time with/without: {warmTime / coldTime:F2}");
        return warmVms == 1 && coldVms == stages ? 0 : 1;
    }

    private static async Task<(int Vms, TimeSpan Elapsed)> RunPipelineAsync(int stages, bool pooled)
    {
        using var sandbox = new TempDirectory("bench-warm-pool");
        await using var gcs = await FakeGcsServer.StartAsync(new FakeGcsOptions { Buckets = [Bucket], RequiredBearerToken = GcsToken });
        await using var compute = await FakeComputeServer.StartAsync(new FakeComputeOptions
        {
            RequiredBearerToken = ComputeToken,
            VmAccessToken = GcsToken,
            StorageEndpoint = gcs.Endpoint,
            SandboxRoot = sandbox.Path,
            MaxOperationWait = TimeSpan.FromMilliseconds(300),
        });
        var retry = new GcpRetryOptions { MaxAttempts = 6, InitialBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(100) };
        using var storage = new GcsObjectStorage(new GcsStorageOptions { Bucket = Bucket, Endpoint = gcs.Endpoint, Credential = GcpCredentials.FromAccessToken(GcsToken), Retry = retry });
        var options = new GceRunBackendOptions
        {
            Project = compute.Options.Project,
            Zones = compute.Options.Zones,
            Bucket = Bucket,
            ComputeEndpoint = compute.Endpoint,
            Credential = GcpCredentials.FromAccessToken(ComputeToken),
            Retry = retry,
            OperationPollInterval = TimeSpan.FromMilliseconds(50),
            LogShipInterval = TimeSpan.FromMilliseconds(200),
            WarmPool = pooled
                ? new WarmPoolOptions
                {
                    Profiles = new Dictionary<string, WarmPoolProfileOptions> { [Profile] = new() { IdleTimeout = TimeSpan.FromMinutes(2), MaxInstances = 4 } },
                    AckPollInterval = TimeSpan.FromMilliseconds(50),
                }
                : null,
            WarmPoolPollInterval = TimeSpan.FromMilliseconds(200),
        };
        using var backend = new GceRunBackend(storage, options);
        var clock = Stopwatch.StartNew();
        for (var stage = 0; stage < stages; stage++)
        {
            // Each stage starts when the one before it has finished (a sequential pipeline).
            var handle = await backend.LaunchAsync(new RunSpec(string.Create(CultureInfo.InvariantCulture, $"stage-{stage:D2}"), "/bin/sh", ["-c", "echo stage $STAGECRAFT_RUN_ID"]) { ResourceProfile = Profile });
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var status = await backend.WaitForCompletionAsync(handle, cancellationToken: timeout.Token);
            if (status.State != RunState.Succeeded)
            {
                throw new InvalidOperationException($"Stage {stage} ended {status.State}: {status.Message}");
            }
        }

        clock.Stop();
        return (compute.CreatedInstances.Count, clock.Elapsed);
    }
}
