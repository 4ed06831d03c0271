using Stagecraft.Pipelines;

namespace Stagecraft.Cli.Tests;

/// <summary>A small real pipeline whose runs the CLI reads: two stages, a switch to fail the second, one to make it wait.</summary>
[Pipeline]
public static partial class Toy
{
    [Stage]
    public static Numbers Generate(ToySettings settings) => new([.. Enumerable.Range(1, settings.Count)]);

    [Stage]
    public static async Task<Total> Sum(Numbers numbers, ToySettings settings, CancellationToken cancellationToken)
    {
        if (settings.Fail)
        {
            throw new InvalidOperationException("the toy was told to fail");
        }

        if (settings.Wait)
        {
            await Task.Delay(TimeSpan.FromMinutes(2), cancellationToken);
        }

        return new Total(numbers.Values.Sum());
    }
}

public sealed record ToySettings(int Count, bool Fail = false, bool Wait = false);

public sealed record Numbers(int[] Values);

public sealed record Total(int Value);
