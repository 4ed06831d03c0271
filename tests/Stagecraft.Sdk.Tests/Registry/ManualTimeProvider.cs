namespace Stagecraft.Sdk.Tests.Registry;

/// <summary>A clock that moves only when told (each read advances it by <see cref="Step"/>).</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private DateTimeOffset _now = start;

    public TimeSpan Step { get; set; } = TimeSpan.FromSeconds(1);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            var now = _now;
            _now += Step;
            return now;
        }
    }
}
