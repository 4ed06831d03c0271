namespace Stagecraft.WarmPool;

/// <summary>One thing the reaper or cleanup did.</summary>
/// <param name="Profile">The instance's profile.</param>
/// <param name="InstanceId">The instance (or, for <see cref="WarmPoolActionKind.RemovedJob"/>, the job's run id).</param>
/// <param name="StateBefore">The instance's state when it was acted on (null when it had no document).</param>
/// <param name="Kind">What was done.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record WarmPoolAction(string Profile, string InstanceId, WarmInstanceState? StateBefore, WarmPoolActionKind Kind, string Reason);
