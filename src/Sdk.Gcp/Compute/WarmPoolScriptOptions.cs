using Stagecraft.WarmPool;

namespace Stagecraft.Gcp.Compute;

/// <summary>
/// What a VM's startup script needs to serve in the warm pool after its first job: its own instance document, where its
/// jobs are handed over, how long it stays idle and how often it looks for a claim.
/// </summary>
internal sealed record WarmPoolScriptOptions
{
    /// <summary>The pool's keys (the same root as the launcher's <see cref="WarmPoolOptions.Root"/>).</summary>
    public required WarmPoolPaths Paths { get; init; }

    /// <summary>The resource profile the VM serves.</summary>
    public required string Profile { get; init; }

    /// <summary>The VM's pool instance id (also its VM name).</summary>
    public required string InstanceId { get; init; }

    /// <summary>How long the VM waits idle for a claim before it leaves the pool and deletes itself (whole seconds, rounded up).</summary>
    public required TimeSpan IdleTimeout { get; init; }

    /// <summary>
    /// The longest pause between two reads of its document while idle; polling starts at an eighth of this and backs off
    /// to it. Keep it well below the profile's ACK timeout, or claims are released before the VM sees them.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
}
