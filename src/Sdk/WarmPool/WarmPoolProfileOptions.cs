namespace Stagecraft.WarmPool;

/// <summary>How the pool treats one resource profile.</summary>
public sealed record WarmPoolProfileOptions
{
    /// <summary>Whether launches of this profile use the pool. False: launches behave exactly as without a pool.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>How long an idle instance waits for a claim before it deletes itself.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a launch waits for a claimed instance to ACK before it releases the claim and starts cold.</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The most instances of this profile in the pool at once (enforced when registering).</summary>
    public int MaxInstances { get; init; } = 4;

    /// <summary>The oldest an instance may get: past this it is no longer claimed, and the reaper deletes it once idle.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromHours(12);

    internal void Validate(string profile)
    {
        foreach (var (value, name) in new[] { (IdleTimeout, nameof(IdleTimeout)), (AckTimeout, nameof(AckTimeout)), (MaxAge, nameof(MaxAge)) })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(name, value, $"Warm-pool profile '{profile}': {name} must be positive.");
            }
        }

        if (MaxInstances < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxInstances), MaxInstances, $"Warm-pool profile '{profile}': MaxInstances must be at least 1.");
        }
    }
}
