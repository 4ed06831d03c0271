namespace Stagecraft.Cli.Output;

/// <summary>A labelled node with children; rendered by <see cref="CliConsole"/> as a tree or indented text.</summary>
internal sealed class CliTree(string label)
{
    private readonly List<CliTree> _children = [];

    public string Label { get; } = label;

    public IReadOnlyList<CliTree> Children => _children;

    /// <summary>Adds a child and returns it.</summary>
    public CliTree Add(string label)
    {
        var child = new CliTree(label);
        _children.Add(child);
        return child;
    }

    /// <summary>Adds a child holding one line per line of <paramref name="text"/> (e.g. a stack trace).</summary>
    public CliTree AddLines(string label, string text)
    {
        var child = Add(label);
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            child.Add(line);
        }

        return child;
    }
}
