namespace Stagecraft.Generators.Pipelines.Model;

/// <summary>Where and how long a stage may run, from its <c>[Stage]</c> named arguments; each null when not written.</summary>
/// <param name="Profile">The resource profile (never blank).</param>
/// <param name="TimeoutTicks">The timeout in ticks (positive), parsed at compile time so the runtime does no parsing.</param>
/// <param name="Retries">How many times a failed run is retried (not negative).</param>
internal sealed record StagePlacementModel(string? Profile, long? TimeoutTicks, int? Retries)
{
    public static readonly StagePlacementModel Default = new(null, null, null);

    public bool IsDefault => Profile is null && TimeoutTicks is null && Retries is null;
}
