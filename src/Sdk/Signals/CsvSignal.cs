using System.Text;

namespace Stagecraft.Signals;

/// <summary>
/// A comma-separated file with a header row (RFC 4180: fields containing commas, quotes or line breaks are
/// quoted, quotes inside are doubled; <c>\n</c> or <c>\r\n</c> line ends).
/// </summary>
public sealed class CsvSignal : Signal
{
    internal const string KindName = "csv";

    /// <param name="path">The file's path (made absolute).</param>
    public CsvSignal(string path)
        : base(path)
    {
    }

    /// <inheritdoc/>
    public override string Kind => KindName;

    /// <summary>Writes a header and rows to <paramref name="path"/> (creating its directory) and returns the signal.</summary>
    /// <exception cref="ArgumentException">A row's field count differs from the header's.</exception>
    public static async Task<CsvSignal> WriteAsync(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        if (header.Count == 0)
        {
            throw new ArgumentException("A CSV header needs at least one column.", nameof(header));
        }

        await using (var stream = SignalFiles.Create(path))
        await using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
        {
            await writer.WriteAsync(FormatLine(header).AsMemory(), cancellationToken).ConfigureAwait(false);
            var rowNumber = 0;
            foreach (var row in rows)
            {
                rowNumber++;
                if (row.Count != header.Count)
                {
                    throw new ArgumentException($"CSV row {rowNumber} has {row.Count} fields but the header has {header.Count}.", nameof(rows));
                }

                await writer.WriteAsync(FormatLine(row).AsMemory(), cancellationToken).ConfigureAwait(false);
            }
        }

        return new CsvSignal(path);
    }

    /// <summary>Reads the whole file.</summary>
    /// <exception cref="InvalidDataException">The file is empty, has an unterminated quote, or a row's field count differs from the header's.</exception>
    public async Task<CsvTable> ReadAsync(CancellationToken cancellationToken = default)
    {
        var text = await File.ReadAllTextAsync(Path, cancellationToken).ConfigureAwait(false);
        var records = Parse(text, Path);
        if (records.Count == 0)
        {
            throw new InvalidDataException($"CSV file '{Path}' is empty: a header row is required.");
        }

        var header = records[0];
        for (var i = 1; i < records.Count; i++)
        {
            if (records[i].Length != header.Length)
            {
                throw new InvalidDataException($"CSV file '{Path}': row {i} has {records[i].Length} fields but the header has {header.Length}.");
            }
        }

        return new CsvTable(header, records.Skip(1).ToArray());
    }

    private static string FormatLine(IReadOnlyList<string> fields)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            var field = fields[i] ?? string.Empty;
            if (field.AsSpan().IndexOfAny(",\"\r\n") >= 0 || (field.Length > 0 && (char.IsWhiteSpace(field[0]) || char.IsWhiteSpace(field[^1]))))
            {
                sb.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                sb.Append(field);
            }
        }

        return sb.Append('\n').ToString();
    }

    private static List<string[]> Parse(string text, string path)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        var line = 1;
        var atRecordStart = true;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"' && field.Length == 0)
            {
                // A quoted field runs to the next lone quote; doubled quotes are literal quotes.
                var openedOnLine = line;
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new InvalidDataException($"CSV file '{path}': the quoted field opened on line {openedOnLine} is never closed.");
                    }

                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    if (text[i] == '\n')
                    {
                        line++;
                    }

                    field.Append(text[i++]);
                }

                atRecordStart = false;
                continue;
            }

            switch (c)
            {
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    atRecordStart = false;
                    i++;
                    break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    i++;
                    break;
                case '\n':
                    EndRecord();
                    line++;
                    i++;
                    break;
                default:
                    field.Append(c);
                    atRecordStart = false;
                    i++;
                    break;
            }
        }

        if (!atRecordStart || field.Length > 0)
        {
            EndRecord();
        }

        return records;

        void EndRecord()
        {
            if (atRecordStart && field.Length == 0 && fields.Count == 0)
            {
                return; // a blank line
            }

            fields.Add(field.ToString());
            records.Add([.. fields]);
            fields.Clear();
            field.Clear();
            atRecordStart = true;
        }
    }
}
