namespace Stagecraft.Gcp.Emulation.Compute;

/// <summary>How the fake Compute API behaves and where its VMs run.</summary>
public sealed record FakeComputeOptions
{
    /// <summary>The only project the fake serves.</summary>
    public string Project { get; init; } = "test-project";

    /// <summary>The zones that exist.</summary>
    public IReadOnlyList<string> Zones { get; init; } = ["zone-a", "zone-b", "zone-c"];

    /// <summary>The bearer token every request must carry (null = no auth check).</summary>
    public string? RequiredBearerToken { get; init; }

    /// <summary>The access token VMs get from their metadata servers (the fake storage's required token).</summary>
    public string VmAccessToken { get; init; } = "vm-token";

    /// <summary>The fake storage VMs are pointed at (<c>STORAGE_EMULATOR_HOST</c>); null means VMs are not started.</summary>
    public Uri? StorageEndpoint { get; init; }

    /// <summary>Where VM sandboxes are created (one subdirectory per instance).</summary>
    public required string SandboxRoot { get; init; }

    /// <summary>The longest <c>operations.wait</c> blocks before answering with a still-running operation (the real API: up to 2 minutes).</summary>
    public TimeSpan MaxOperationWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a deleted VM's startup script gets between SIGTERM and SIGKILL.</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Largest page <c>instances.list</c> returns (deliberately small so paging is exercised).</summary>
    public int MaxPageSize { get; init; } = 2;
}
