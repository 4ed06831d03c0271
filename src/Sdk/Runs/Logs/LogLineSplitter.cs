using System.Text;

namespace Stagecraft.Runs.Logs;

/// <summary>
/// Turns a growing byte stream (consecutive log chunk objects, or a local log file) into complete UTF-8 lines; a partial
/// last line — a chunk boundary can fall mid-line, even mid-character — is held back until more arrives or <see cref="Flush"/>.
/// One splitter for every reader of run logs, so they all split by the same rules (LF or CRLF ends a line).
/// </summary>
internal sealed class LogLineSplitter
{
    private readonly MemoryStream _pending = new();

    /// <summary>Appends <paramref name="bytes"/> and returns the lines they completed, in order.</summary>
    public IReadOnlyList<string> Push(ReadOnlySpan<byte> bytes)
    {
        var lines = new List<string>();
        while (true)
        {
            var newline = bytes.IndexOf((byte)'\n');
            if (newline < 0)
            {
                _pending.Write(bytes);
                return lines;
            }

            _pending.Write(bytes[..newline]);
            lines.Add(TakePending());
            bytes = bytes[(newline + 1)..];
        }
    }

    /// <summary>The unterminated last line, if any.</summary>
    public string? Flush() => _pending.Length == 0 ? null : TakePending();

    private string TakePending()
    {
        var span = _pending.GetBuffer().AsSpan(0, (int)_pending.Length);
        if (span.Length > 0 && span[^1] == (byte)'\r')
        {
            span = span[..^1];
        }

        var line = Encoding.UTF8.GetString(span);
        _pending.SetLength(0);
        return line;
    }
}
