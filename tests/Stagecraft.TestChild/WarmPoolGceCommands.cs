using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Stagecraft.Gcp.Auth;
using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Http;
using Stagecraft.Gcp.Storage;
using Stagecraft.Runs;
using Stagecraft.WarmPool;

namespace Stagecraft.TestChild;

/// <summary>A coordinator process launching jobs through <see cref="GceRunBackend"/> and its warm pool, against a fake Compute API and fake GCS.</summary>
public static class WarmPoolGceCommands
{
    /// <summary>The two pooled profiles of the coordinator races.</summary>
    public static readonly IReadOnlyList<string> Profiles = ["cpu-small", "cpu-large"];

    /// <summary>The backend options every coordinator (and the test's reaper) uses.</summary>
    public static GceRunBackendOptions Options(Uri compute, string computeToken, string bucket, int cap, TimeSpan idleTimeout) => new()
    {
        Project = "test-project",
        Zones = ["zone-a", "zone-b", "zone-c"],
        Bucket = bucket,
        ComputeEndpoint = compute,
        Credential = GcpCredentials.FromAccessToken(computeToken),
        Retry = new GcpRetryOptions { MaxAttempts = 8, InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200) },
        OperationPollInterval = TimeSpan.FromMilliseconds(50),
        LogPollInterval = TimeSpan.FromMilliseconds(100),
        LogShipInterval = TimeSpan.FromMilliseconds(300),
        TerminationGracePeriod = TimeSpan.FromSeconds(1),
        WarmPool = new WarmPoolOptions
        {
            Profiles = Profiles.ToDictionary(p => p, _ => new WarmPoolProfileOptions { MaxInstances = cap, IdleTimeout = idleTimeout, AckTimeout = TimeSpan.FromSeconds(15) }, StringComparer.Ordinal),
            AckPollInterval = TimeSpan.FromMilliseconds(100),
            LaunchGrace = TimeSpan.FromSeconds(20),
            SelfDeleteGrace = TimeSpan.FromSeconds(5),
        },
        WarmPoolPollInterval = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>Storage over the fake GCS bucket.</summary>
    public static GcsObjectStorage Storage(Uri gcs, string gcsToken, string bucket) => new(new GcsStorageOptions
    {
        Bucket = bucket,
        Endpoint = gcs,
        Credential = GcpCredentials.FromAccessToken(gcsToken),
        Retry = new GcpRetryOptions { MaxAttempts = 8, InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200) },
    });

    /// <summary>The command every job runs: it reports its run, its VM and when it ran, and exits with a code derived from its number.</summary>
    public static RunSpec Job(string runId, int number, string profile) => new(runId, "/bin/sh", ["-c",
        "s=$(date +%s%N); vm=$(curl -sS -H 'Metadata-Flavor: Google' \"http://$GCE_METADATA_HOST/computeMetadata/v1/instance/name\"); sleep 0.3; "
        + "echo \"job=$STAGECRAFT_RUN_ID vm=$vm start=$s end=$(date +%s%N)\"; exit " + (number % 4).ToString(CultureInfo.InvariantCulture)])
    {
        ResourceProfile = profile,
    };

    [ModuleInitializer]
    internal static void Register()
    {
        // warmpool-gce-coordinator <computeUri> <computeToken> <gcsUri> <gcsToken> <bucket> <worker> <jobs> <cap> <idleMs> <goFile> <parallel>:
        // prints "ready", waits for goFile, then launches <jobs> jobs of alternating profiles, <parallel> at a time, waits for
        // each, and prints "done <runId> <instance> <exitCode>" per job.
        ChildCommands.Register("warmpool-gce-coordinator", async args =>
        {
            var compute = new Uri(args[0]);
            var (computeToken, gcsToken, bucket, worker, goFile) = (args[1], args[3], args[4], args[5], args[9]);
            var gcs = new Uri(args[2]);
            var jobs = int.Parse(args[6], CultureInfo.InvariantCulture);
            var cap = int.Parse(args[7], CultureInfo.InvariantCulture);
            var idle = TimeSpan.FromMilliseconds(int.Parse(args[8], CultureInfo.InvariantCulture));
            using var storage = Storage(gcs, gcsToken, bucket);
            // Every pool transition and dispatch decision goes to stderr, for the test to show when a check fails.
            using var logging = LoggerFactory.Create(b => b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).AddFilter("Stagecraft", LogLevel.Information));
            using var backend = new GceRunBackend(storage, Options(compute, computeToken, bucket, cap, idle) with { LoggerFactory = logging });
            Console.WriteLine("ready");
            while (!File.Exists(goFile))
            {
                await Task.Delay(10);
            }

            using var gate = new SemaphoreSlim(int.Parse(args[10], CultureInfo.InvariantCulture));
            var output = new Lock();
            await Task.WhenAll(Enumerable.Range(0, jobs).Select(async n =>
            {
                await gate.WaitAsync();
                try
                {
                    var runId = $"c{worker}-j{n}";
                    var handle = await backend.LaunchAsync(Job(runId, n, Profiles[n % Profiles.Count]));
                    lock (output)
                    {
                        Console.WriteLine($"launched {runId} {handle.Properties["instance"]}");
                    }

                    using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
                    var status = await backend.WaitForCompletionAsync(handle, cancellationToken: timeout.Token);
                    lock (output)
                    {
                        Console.WriteLine($"done {runId} {handle.Properties["instance"]} {status.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? status.State.ToString()}");
                    }
                }
                finally
                {
                    gate.Release();
                }
            }));
            return 0;
        });
    }
}
