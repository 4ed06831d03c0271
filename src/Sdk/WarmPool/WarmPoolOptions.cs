using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Stagecraft.WarmPool;

/// <summary>Configuration of a <see cref="WarmPool"/>. A profile not listed in <see cref="Profiles"/> does not use the pool.</summary>
public sealed record WarmPoolOptions
{
    /// <summary>Resource profile name → how the pool treats it. Empty: the pool is off for every profile.</summary>
    public IReadOnlyDictionary<string, WarmPoolProfileOptions> Profiles { get; init; } = new Dictionary<string, WarmPoolProfileOptions>(StringComparer.Ordinal);

    /// <summary>The key prefix of the pool's documents (see <see cref="WarmPoolPaths"/>).</summary>
    public string Root { get; init; } = WarmPoolPaths.DefaultRoot;

    /// <summary>How often a launch re-reads a claimed instance's document while waiting for its ACK.</summary>
    public TimeSpan AckPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the reaper leaves a <see cref="WarmInstanceState.Launching"/> instance alone even when its machine is not
    /// found (the machine may not exist yet: its creation is in flight).
    /// </summary>
    public TimeSpan LaunchGrace { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How long past its idle timeout (or in <see cref="WarmInstanceState.Deleting"/>) an instance may live before the reaper deletes it.</summary>
    public TimeSpan SelfDeleteGrace { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The clock for timeouts and document timestamps.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where transitions are logged. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The options of <paramref name="profile"/> when the pool is enabled for it, otherwise null.</summary>
    public WarmPoolProfileOptions? For(string? profile) =>
        profile is not null && Profiles.TryGetValue(profile, out var options) && options.Enabled ? options : null;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Profiles, nameof(Profiles));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        foreach (var (name, profile) in Profiles)
        {
            WarmPoolNames.ValidateProfile(name);
            ArgumentNullException.ThrowIfNull(profile, $"Profiles[{name}]");
            profile.Validate(name);
        }

        foreach (var (value, name) in new[] { (AckPollInterval, nameof(AckPollInterval)), (LaunchGrace, nameof(LaunchGrace)), (SelfDeleteGrace, nameof(SelfDeleteGrace)) })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(name, value, $"Warm-pool option {name} must be positive.");
            }
        }
    }
}
