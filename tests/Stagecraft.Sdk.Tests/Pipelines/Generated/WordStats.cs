using Stagecraft.Pipelines;
using Stagecraft.Signals;

namespace Stagecraft.Sdk.Tests.Pipelines.Generated;

public sealed record Tokens(string[] Words);

public sealed record Counts(Dictionary<string, int> ByWord);

public sealed record Summary(int Distinct, string MostCommon);

/// <summary>A pipeline compiled by the real generator: typed graph, RunAsync entry point and invokers.</summary>
[Pipeline]
public static partial class WordStats
{
    private static int _tokenise;
    private static int _count;
    private static int _summarise;
    private static int _export;

    public static (int Tokenise, int Count, int Summarise, int Export) Calls => (_tokenise, _count, _summarise, _export);

    public static void ResetCalls() => (_tokenise, _count, _summarise, _export) = (0, 0, 0, 0);

    [Stage]
    public static Tokens Tokenise(string text)
    {
        Interlocked.Increment(ref _tokenise);
        return new Tokens(text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Stage]
    public static async Task<Counts> Count(Tokens tokens, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _count);
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return new Counts(tokens.Words.GroupBy(w => w, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
    }

    [Stage(Version = "2")]
    public static Summary Summarise(Counts counts)
    {
        Interlocked.Increment(ref _summarise);
        var top = counts.ByWord.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).First();
        return new Summary(counts.ByWord.Count, top.Key);
    }

    [Stage]
    public static Task<CsvSignal> Export(Counts counts, StageContext context)
    {
        Interlocked.Increment(ref _export);
        return CsvSignal.WriteAsync(
            Path.Combine(context.WorkDirectory, "counts.csv"),
            ["word", "count"],
            counts.ByWord.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (IReadOnlyList<string>)[p.Key, p.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)]),
            context.CancellationToken);
    }
}
