using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.Gcp.Http;
using Stagecraft.WarmPool;

namespace Stagecraft.Gcp.Compute;

/// <summary>Configuration of <see cref="GceRunBackend"/>.</summary>
public sealed record GceRunBackendOptions
{
    /// <summary>The Compute Engine API root on Google Cloud.</summary>
    public static readonly Uri DefaultComputeEndpoint = new("https://compute.googleapis.com/");

    /// <summary>The project VMs are created in.</summary>
    public required string Project { get; init; }

    /// <summary>Zones in fallback order: a launch tries the next one when a zone has no capacity (stockout).</summary>
    public required IReadOnlyList<string> Zones { get; init; }

    /// <summary>The bucket holding run logs, exit codes and bundles (the same bucket the backend's storage reads).</summary>
    public required string Bucket { get; init; }

    /// <summary>Resource profile name → machine shape. Must contain <see cref="DefaultProfile"/>.</summary>
    public IReadOnlyDictionary<string, GceMachineProfile> Profiles { get; init; } = new Dictionary<string, GceMachineProfile>(StringComparer.Ordinal)
    {
        ["cpu-small"] = new() { MachineType = "e2-standard-4" },
        ["cpu-large"] = new() { MachineType = "n2-standard-32" },
        ["h100-spot"] = new() { MachineType = "a3-highgpu-1g", GpuType = "nvidia-h100-80gb", Spot = true, BootDiskSizeGb = 200 },
        ["h100-on-demand"] = new() { MachineType = "a3-highgpu-1g", GpuType = "nvidia-h100-80gb", BootDiskSizeGb = 200 },
    };

    /// <summary>The profile of specs that name none.</summary>
    public string DefaultProfile { get; init; } = "cpu-small";

    /// <summary>The boot image (an image or image family URL).</summary>
    public string BootImage { get; init; } = "projects/debian-cloud/global/images/family/debian-12";

    /// <summary>The VM's service account email (<c>default</c> = the project's Compute Engine default service account).</summary>
    public string ServiceAccount { get; init; } = "default";

    /// <summary>OAuth scopes granted to the VM's service account.</summary>
    public IReadOnlyList<string> ServiceAccountScopes { get; init; } = ["https://www.googleapis.com/auth/cloud-platform"];

    /// <summary>The value of the <c>stagecraft-owner</c> label on every VM (who launched it), e.g. a user or CI name.</summary>
    public string Owner { get; init; } = "stagecraft";

    /// <summary>The app bundle runs execute from (null: commands run as installed on the boot image, or in the spec's image).</summary>
    public AppBundle? Bundle { get; init; }

    /// <summary>The Compute Engine API root (tests point it at a fake).</summary>
    public Uri ComputeEndpoint { get; init; } = DefaultComputeEndpoint;

    /// <summary>The storage endpoint baked into startup scripts (a VM's <c>STORAGE_EMULATOR_HOST</c> still wins).</summary>
    public Uri VmStorageEndpoint { get; init; } = StartupScriptBuilder.DefaultStorageEndpoint;

    /// <summary>The credential for the Compute API (null: application default credentials).</summary>
    public ITokenAccess? Credential { get; init; }

    /// <summary>Backoff for retried API requests.</summary>
    public GcpRetryOptions Retry { get; init; } = new();

    /// <summary>The clock for polling and backoff.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the backend and the warm-instance host log launches, retries and cleanups.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Delay between operation polls when <c>operations.wait</c> answers before DONE.</summary>
    public TimeSpan OperationPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a launch waits for one zone's insert operation to finish.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Delay between log polls when following.</summary>
    public TimeSpan LogPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the VM ships log chunks.</summary>
    public TimeSpan LogShipInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the command may handle SIGTERM before its process group is killed on the VM.</summary>
    public TimeSpan TerminationGracePeriod { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// Whether a VM deletes itself when its run has finished and stored its exit code (default <see langword="true"/>:
    /// a finished VM would otherwise keep running and billing). The backend also deletes a VM it still finds after the
    /// run finished, so a VM whose service account may not delete instances does not outlive the first status check.
    /// Set <see langword="false"/> to keep finished VMs for inspection (then <see cref="GceRunBackend.TerminateAsync"/> deletes them).
    /// </summary>
    public bool DeleteInstanceWhenDone { get; init; } = true;

    /// <summary>
    /// The warm pool (null: off). For each profile enabled in <see cref="WarmPoolOptions.Profiles"/> (names from
    /// <see cref="Profiles"/>), a launch first claims an idle VM of that profile and hands it the job through storage;
    /// when none ACKs it launches a fresh VM that stays in the pool after its job until the profile's idle timeout.
    /// Profiles not enabled launch exactly as without a pool and never write a pool document. See <c>docs/warm-pool.md</c>.
    /// </summary>
    public WarmPoolOptions? WarmPool { get; init; }

    /// <summary>
    /// The longest pause between two looks of an idle pool VM at its document (it starts at an eighth of this and backs
    /// off). Must be shorter than every pooled profile's <see cref="WarmPoolProfileOptions.AckTimeout"/>.
    /// </summary>
    public TimeSpan WarmPoolPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(Project, nameof(Project));
        ArgumentException.ThrowIfNullOrEmpty(Bucket, nameof(Bucket));
        if (Zones is null || Zones.Count == 0 || Zones.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Zones must list at least one zone, in fallback order.", nameof(Zones));
        }

        if (Profiles is null || !Profiles.ContainsKey(DefaultProfile))
        {
            throw new ArgumentException($"Profiles must contain the default profile '{DefaultProfile}'.", nameof(Profiles));
        }

        if (Runs.RunLabels.CheckValue(Owner) is { } rule)
        {
            throw new ArgumentException($"Owner '{Owner}' is not a valid label value: it {rule}.", nameof(Owner));
        }

        ArgumentNullException.ThrowIfNull(Retry, nameof(Retry));
        Retry.Validate();
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        if (WarmPool is { } pool)
        {
            if (WarmPoolPollInterval <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(WarmPoolPollInterval), WarmPoolPollInterval, "WarmPoolPollInterval must be positive.");
            }

            foreach (var (name, profile) in pool.Profiles.Where(p => p.Value is { Enabled: true }))
            {
                if (!Profiles.ContainsKey(name))
                {
                    throw new ArgumentException($"Warm-pool profile '{name}' is not one of the configured Profiles ({string.Join(", ", Profiles.Keys)}).", nameof(WarmPool));
                }

                if (WarmPoolPollInterval >= profile.AckTimeout)
                {
                    throw new ArgumentException($"WarmPoolPollInterval {WarmPoolPollInterval} must be shorter than the AckTimeout {profile.AckTimeout} of warm-pool profile '{name}': an idle VM would miss its claims.", nameof(WarmPoolPollInterval));
                }
            }
        }
    }
}
