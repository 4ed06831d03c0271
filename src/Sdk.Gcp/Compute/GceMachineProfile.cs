namespace Stagecraft.Gcp.Compute;

/// <summary>What a resource profile name (e.g. <c>cpu-small</c>, <c>h100-spot</c>) means on Compute Engine.</summary>
public sealed record GceMachineProfile
{
    /// <summary>The machine type, e.g. <c>e2-standard-4</c> or <c>a3-highgpu-1g</c>.</summary>
    public required string MachineType { get; init; }

    /// <summary>The accelerator type, e.g. <c>nvidia-h100-80gb</c>; null for none. GPUs force <c>onHostMaintenance: TERMINATE</c>.</summary>
    public string? GpuType { get; init; }

    /// <summary>How many accelerators (ignored without <see cref="GpuType"/>).</summary>
    public int GpuCount { get; init; } = 1;

    /// <summary>Spot provisioning (cheaper, preemptible). Preempted spot VMs are deleted (<c>instanceTerminationAction: DELETE</c>).</summary>
    public bool Spot { get; init; }

    /// <summary>Boot disk size in GB.</summary>
    public int BootDiskSizeGb { get; init; } = 50;
}
