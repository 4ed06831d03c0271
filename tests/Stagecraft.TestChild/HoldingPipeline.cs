using System.Globalization;
using Stagecraft.Pipelines;

namespace Stagecraft.TestChild;

public sealed record Prepared(int Value);

public sealed record Held(int Value);

/// <summary>
/// A generated pipeline whose middle stage holds until a gate file exists, so a test can signal or kill the process
/// running it at a known point. <c>Hold</c> writes <c>{gate}.holding.{pid}</c> when it starts holding; when
/// <c>{gate}.stubborn</c> exists it ignores cancellation (a stage that cannot be stopped, so a run's cancellation cannot finish).
/// </summary>
[Pipeline]
public static partial class Holding
{
    [Stage]
    public static Prepared Prepare(int seed) => new(seed * 2);

    [Stage]
    public static async Task<Held> Hold(Prepared prepared, string gate, StageContext context)
    {
        await File.WriteAllTextAsync(gate + ".holding." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture), context.RunId, context.CancellationToken);
        Console.WriteLine("holding in process " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var stopping = File.Exists(gate + ".stubborn") ? CancellationToken.None : context.CancellationToken;
        while (!File.Exists(gate))
        {
            await Task.Delay(50, stopping);
        }

        return new Held(prepared.Value + 1);
    }

    [Stage]
    public static Held Finish(Held held) => new(held.Value * 10);
}
