using System.Globalization;
using System.Runtime.CompilerServices;
using Stagecraft.Local.Storage;
using Stagecraft.Runs;
using Stagecraft.Storage;
using Stagecraft.WarmPool;

namespace Stagecraft.TestChild;

/// <summary>Child commands for warm-pool races between processes.</summary>
public static class WarmPoolCommands
{
    public const string Profile = "cpu-small";

    /// <summary>The pool every process of a race opens over the same storage root.</summary>
    public static WarmPool.WarmPool Open(string root) => new(new LocalObjectStorage(root), new WarmPoolOptions
    {
        Profiles = new Dictionary<string, WarmPoolProfileOptions>(StringComparer.Ordinal)
        {
            [Profile] = new() { MaxInstances = 5, AckTimeout = TimeSpan.FromMinutes(5) },
        },
        AckPollInterval = TimeSpan.FromMilliseconds(5),
    });

    [ModuleInitializer]
    internal static void Register()
    {
        // warmpool-claim-loop <storeRoot> <worker> <claims> <goFile>: print "ready", wait for goFile, then <claims> times:
        // claim an idle instance (retrying while none is idle), write its job, ACK it as the instance would, hold a
        // create-only "busy" marker for the instance while the job "runs" (a second holder would fail to create it:
        // a double claim), then end the job (→ idle). Prints "double=N claims=M".
        ChildCommands.Register("warmpool-claim-loop", async args =>
        {
            var (root, worker, goFile) = (args[0], args[1], args[3]);
            var claims = int.Parse(args[2], CultureInfo.InvariantCulture);
            var pool = Open(root);
            var storage = new LocalObjectStorage(root);
            Console.WriteLine("ready");
            while (!File.Exists(goFile))
            {
                await Task.Delay(10);
            }

            var doubles = 0;
            for (var n = 0; n < claims; n++)
            {
                var runId = $"w{worker}-{n}";
                WarmClaim? claim;
                while ((claim = await pool.TryClaimAsync(Profile, runId)) is null)
                {
                    await Task.Delay(2);
                }

                var instanceId = claim.Instance.InstanceId;
                await pool.PutJobAsync(Profile, runId, "job"u8.ToArray());
                var job = await pool.TryAcceptAsync(Profile, instanceId) ?? throw new InvalidOperationException($"{runId}: the claimed instance {instanceId} could not ACK");
                if (await pool.WaitForAckAsync(claim) != WarmAckOutcome.Acked)
                {
                    throw new InvalidOperationException($"{runId}: the ACK was not seen");
                }

                var marker = $"race/busy/{instanceId}";
                try
                {
                    using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(runId));
                    await storage.PutAsync(marker, content, new PutObjectOptions { IfGenerationMatch = 0 });
                }
                catch (PreconditionFailedException)
                {
                    doubles++;
                    continue;
                }

                await Task.Delay(1);
                await storage.DeleteAsync(marker);
                _ = await pool.CompleteJobAsync(Profile, instanceId, job.RunId, new RunExitRecord(0)) ?? throw new InvalidOperationException($"{runId}: job end refused");
            }

            Console.WriteLine($"double={doubles} claims={claims}");
            return 0;
        });
    }
}
