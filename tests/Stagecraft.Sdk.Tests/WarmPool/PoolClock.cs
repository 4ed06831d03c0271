namespace Stagecraft.Sdk.Tests.WarmPool;

/// <summary>A clock the test moves by hand (timers still run on real time, so waits stay short and bounded).</summary>
internal sealed class PoolClock : TimeProvider
{
    private readonly Lock _gate = new();
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            _now += by;
        }
    }
}
