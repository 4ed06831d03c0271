namespace Stagecraft.WarmPool;

/// <summary>What the pool knows about one instance, as read from its document.</summary>
/// <param name="InstanceId">The instance's id (on Compute Engine also its VM name).</param>
/// <param name="Profile">The resource profile it serves.</param>
/// <param name="Backend">The run backend that owns the machine (<c>gce</c>, <c>local</c>).</param>
/// <param name="State">Where it is in its life.</param>
/// <param name="RunId">The run it runs or is claimed for; while idle, the last run it ran.</param>
/// <param name="ClaimId">The current claim (null for the first job, which needs no claim).</param>
/// <param name="Location">Where the machine is (a zone; a host name locally).</param>
/// <param name="LaunchedAt">When it was registered.</param>
/// <param name="StateSince">When it entered <paramref name="State"/> (for <see cref="WarmInstanceState.Idle"/>: idle since).</param>
/// <param name="Jobs">How many jobs it has finished.</param>
/// <param name="Generation">The document's generation: the compare-and-swap token of its next transition.</param>
public sealed record WarmInstance(
    string InstanceId,
    string Profile,
    string Backend,
    WarmInstanceState State,
    string? RunId,
    string? ClaimId,
    string? Location,
    DateTimeOffset LaunchedAt,
    DateTimeOffset StateSince,
    int Jobs,
    long Generation)
{
    internal static WarmInstance From(WarmInstanceDocument d, long generation) =>
        new(d.InstanceId, d.Profile, d.Backend, d.State, d.RunId, d.ClaimId, d.Location, d.LaunchedAt, d.StateSince, d.Jobs, generation);
}
