using System.Globalization;

namespace Stagecraft.Gcp.Emulation.Faults;

/// <summary>
/// One scripted fault: among the requests matching <see cref="Matches"/>, skip the first <see cref="Skip"/>, then
/// hit every <see cref="Every"/>-th one, at most <see cref="MaxHits"/> times.
/// </summary>
public sealed record FaultRule<TRequest>
{
    private int _matched;
    private int _hits;
    private Random? _random;

    public required FaultKind Kind { get; init; }

    /// <summary>Which requests the rule considers (default: all).</summary>
    public Func<TRequest, bool> Matches { get; init; } = static _ => true;

    /// <summary>Status for <see cref="FaultKind.Status"/> (503, 429, 408, 500, ...).</summary>
    public int StatusCode { get; init; } = 503;

    /// <summary>Byte count for the cut faults.</summary>
    public long Bytes { get; init; }

    /// <summary>Matching requests let through before the first hit.</summary>
    public int Skip { get; init; }

    /// <summary>Hit every n-th matching request after <see cref="Skip"/> (1 = each one).</summary>
    public int Every { get; init; } = 1;

    /// <summary>
    /// Instead of every <see cref="Every"/>-th: hit each matching request (after <see cref="Skip"/>) with this
    /// probability, drawn from a generator seeded with <see cref="Seed"/>. Use it when several clients run
    /// concurrently: a strict period can alias with their interleaving and hit the same client every time.
    /// </summary>
    public double? Probability { get; init; }

    /// <summary>Seed for <see cref="Probability"/> draws (fixed, so a single-threaded run repeats exactly).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Upper bound on hits (default 1).</summary>
    public int MaxHits { get; init; } = 1;

    /// <summary>A name for logs and assertions.</summary>
    public string? Name { get; init; }

    /// <summary>How many times this rule has fired.</summary>
    public int Hits => Volatile.Read(ref _hits);

    /// <summary>
    /// Counts a matching request; true when the rule wants to hit this one. Called under the plan's lock for
    /// every rule, so "the n-th matching request" means the n-th overall, whatever other rules did to it.
    /// </summary>
    internal bool Wants(TRequest request)
    {
        if (_hits >= MaxHits || !Matches(request))
        {
            return false;
        }

        var index = _matched++;
        if (index < Skip)
        {
            return false;
        }

        if (Probability is { } p)
        {
            _random ??= new Random(Seed);
            return _random.NextDouble() < p;
        }

        return (index - Skip) % Math.Max(1, Every) == 0;
    }

    /// <summary>Records that the rule fired. Called under the plan's lock.</summary>
    internal void RecordHit() => _hits++;

    public override string ToString() =>
        Name ?? string.Create(CultureInfo.InvariantCulture, $"{Kind}{(Kind == FaultKind.Status ? " " + StatusCode : string.Empty)} skip {Skip} every {Every} max {MaxHits}");

    /// <summary>Fault the <paramref name="n"/>-th (1-based) matching request.</summary>
    public static FaultRule<TRequest> OnNth(int n, FaultKind kind, Func<TRequest, bool>? matches = null, int statusCode = 503, long bytes = 0) => new()
    {
        Kind = kind,
        Skip = n - 1,
        Matches = matches ?? (static _ => true),
        StatusCode = statusCode,
        Bytes = bytes,
    };
}
