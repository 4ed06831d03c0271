namespace Stagecraft.Runs;

/// <summary>
/// The delays of a polling loop that waits for something that usually happens soon after the wait starts (a short
/// stage's end, a pipeline's next stage reaching an idle warm worker): the shortest delay during the first second, then
/// doubling up to the longest. A fixed sleep of the longest delay would add half of it, on average, to every short wait.
/// </summary>
internal sealed class EagerPollDelay
{
    /// <summary>How long a wait polls at the shortest delay.</summary>
    public static readonly TimeSpan EagerWindow = TimeSpan.FromSeconds(1);

    private readonly TimeSpan _shortest;
    private readonly TimeSpan _longest;
    private readonly TimeProvider _time;
    private DateTimeOffset _eagerUntil;
    private TimeSpan _delay;

    /// <param name="shortest">The delay during the first second (and after <see cref="Restart"/>).</param>
    /// <param name="longest">The delay it backs off to.</param>
    /// <param name="time">The clock.</param>
    public EagerPollDelay(TimeSpan shortest, TimeSpan longest, TimeProvider time)
    {
        _longest = longest > TimeSpan.Zero ? longest : TimeSpan.FromMilliseconds(1);
        _shortest = shortest > TimeSpan.Zero && shortest < _longest ? shortest : _longest;
        _time = time;
        Restart();
    }

    /// <summary>Polls eagerly again from now (what was waited for is expected at once).</summary>
    public void Restart()
    {
        _eagerUntil = _time.GetUtcNow() + EagerWindow;
        _delay = _shortest;
    }

    /// <summary>The delay before the next look.</summary>
    public TimeSpan Next()
    {
        if (_time.GetUtcNow() < _eagerUntil)
        {
            return _shortest;
        }

        var delay = _delay;
        _delay = _delay * 2 < _longest ? _delay * 2 : _longest;
        return delay;
    }

    /// <summary>Waits <see cref="Next"/>.</summary>
    public Task DelayAsync(CancellationToken cancellationToken) => Task.Delay(Next(), _time, cancellationToken);
}
