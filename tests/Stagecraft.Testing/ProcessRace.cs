namespace Stagecraft.Testing;

/// <summary>
/// Several <c>Stagecraft.TestChild</c> processes racing on shared state, released together: each prints <c>ready</c>
/// once set up and then waits for the go file, which <see cref="GoAsync"/> creates once every one is ready (so the race
/// is not decided by start-up times). Disposing kills any still running.
/// </summary>
public sealed class ProcessRace : IDisposable
{
    private readonly List<TestChildProcess> _children;

    private ProcessRace(string goFile, List<TestChildProcess> children)
    {
        GoFile = goFile;
        _children = children;
    }

    /// <summary>The file whose creation releases the racers.</summary>
    public string GoFile { get; }

    /// <summary>The racers, in start order.</summary>
    public IReadOnlyList<TestChildProcess> Children => _children;

    /// <summary>Starts <paramref name="count"/> racers; <paramref name="start"/> gets a racer's index and the go file to pass it.</summary>
    public static ProcessRace Start(int count, string goFile, Func<int, string, TestChildProcess> start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var children = new List<TestChildProcess>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                children.Add(start(i, goFile));
            }
        }
        catch
        {
            children.ForEach(c => c.Dispose());
            throw;
        }

        return new ProcessRace(goFile, children);
    }

    /// <summary>Waits until every racer printed <c>ready</c> (each within <paramref name="timeout"/>), then releases them all.</summary>
    public async Task GoAsync(TimeSpan timeout)
    {
        foreach (var child in _children)
        {
            await child.WaitForLineAsync(l => l == "ready", timeout);
        }

        await File.WriteAllTextAsync(GoFile, "go");
    }

    public void Dispose() => _children.ForEach(c => c.Dispose());
}
