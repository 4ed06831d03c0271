using System;
using System.Text;

namespace Stagecraft.Generators.Common;

/// <summary>
/// Writes C# source with indentation tracked for us, so emitters read like the code they produce.
/// Lines end with <c>\n</c> on every platform, which keeps generated text (and its snapshots) byte-identical.
/// </summary>
internal sealed class SourceWriter
{
    private const int SpacesPerLevel = 4;

    private readonly StringBuilder _builder = new();
    private int _level;

    public int Indentation => _level;

    public void Indent() => _level++;

    public void Unindent()
    {
        if (_level == 0)
        {
            throw new InvalidOperationException("Unindent without a matching Indent.");
        }

        _level--;
    }

    /// <summary>Writes <c>{</c>, indents, and returns a scope that unindents and writes <c>}</c> (plus <paramref name="closingSuffix"/>).</summary>
    public Block OpenBlock(string closingSuffix = "")
    {
        WriteLine("{");
        Indent();
        return new Block(this, closingSuffix);
    }

    public void WriteLine()
    {
        _builder.Append('\n');
    }

    /// <summary>Writes one or more lines (split on <c>\n</c>), each at the current indentation.</summary>
    public void WriteLine(string text)
    {
        var start = 0;
        while (true)
        {
            var end = text.IndexOf('\n', start);
            var line = end < 0 ? text.Substring(start) : text.Substring(start, end - start);
            if (line.Length > 0)
            {
                _builder.Append(' ', _level * SpacesPerLevel).Append(line);
            }

            _builder.Append('\n');
            if (end < 0)
            {
                return;
            }

            start = end + 1;
        }
    }

    public override string ToString() => _builder.ToString();

    /// <summary>Closes a block opened by <see cref="OpenBlock"/>.</summary>
    internal readonly struct Block : IDisposable
    {
        private readonly SourceWriter _writer;
        private readonly string _closingSuffix;

        public Block(SourceWriter writer, string closingSuffix)
        {
            _writer = writer;
            _closingSuffix = closingSuffix;
        }

        public void Dispose()
        {
            _writer.Unindent();
            _writer.WriteLine("}" + _closingSuffix);
        }
    }
}
