namespace Stagecraft.Telemetry;

/// <summary>
/// The names of every <see cref="System.Diagnostics.ActivitySource"/> Stagecraft traces with, core and adapters alike.
/// Listen to <see cref="AllSourceNames"/> (or to the prefix <c>Stagecraft.</c>) to see everything.
/// </summary>
public static class StagecraftTelemetry
{
    /// <summary>Pipeline runs (<c>pipeline.run</c>) and stage executions (<c>pipeline.stage</c>).</summary>
    public const string PipelinesSource = "Stagecraft.Pipelines";

    /// <summary>Model registrations, alias moves, promotions and restores.</summary>
    public const string RegistrySource = "Stagecraft.Registry";

    /// <summary>The reference store, seeding, upload-back and the post-run merge.</summary>
    public const string ReferencesSource = "Stagecraft.References";

    /// <summary>Warm-pool transitions (claim, ACK, release, idle, delete).</summary>
    public const string WarmPoolSource = "Stagecraft.WarmPool";

    /// <summary>The directory-backed object store (<c>Stagecraft.Sdk.Local</c>).</summary>
    public const string LocalStorageSource = "Stagecraft.Local.Storage";

    /// <summary>The local process run backend (<c>Stagecraft.Sdk.Local</c>).</summary>
    public const string LocalRunsSource = "Stagecraft.Local.Runs";

    /// <summary>The Cloud Storage object store (<c>Stagecraft.Sdk.Gcp</c>).</summary>
    public const string GcpStorageSource = "Stagecraft.Gcp.Storage";

    /// <summary>The Compute Engine run backend (<c>Stagecraft.Sdk.Gcp</c>).</summary>
    public const string GcpComputeSource = "Stagecraft.Gcp.Compute";

    /// <summary>Every source name above.</summary>
    public static IReadOnlyList<string> AllSourceNames { get; } =
    [
        PipelinesSource, RegistrySource, ReferencesSource, WarmPoolSource,
        LocalStorageSource, LocalRunsSource, GcpStorageSource, GcpComputeSource,
    ];
}
