using System.Text;
using Stagecraft.Storage;

namespace Stagecraft.Cli.Commands.Runs;

/// <summary>
/// Reads a log object that its backend rewrites as it grows (<see cref="Stagecraft.Runs.RunPaths.Stdout"/>): each call
/// returns the text added since the last one, fetched with a ranged read from the last offset.
/// </summary>
internal sealed class StoredLogTail(IObjectStorage storage, string key)
{
    private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
    private long _offset;

    public string Key { get; } = key;

    /// <summary>The text appended since the previous call ("" when nothing new or the object does not exist yet).</summary>
    public async Task<string> ReadNewAsync(CancellationToken cancellationToken)
    {
        var info = await storage.StatAsync(Key, cancellationToken).ConfigureAwait(false);
        if (info is null || info.Size <= _offset)
        {
            return string.Empty;
        }

        ObjectReadResult read;
        try
        {
            read = await storage.GetAsync(Key, new GetObjectOptions { Range = new ByteRange(_offset) }, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            return string.Empty;
        }

        await using (read.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await read.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            _offset += bytes.Length;
            var chars = new char[_decoder.GetCharCount(bytes, flush: false)];
            _decoder.GetChars(bytes, chars, flush: false);
            return new string(chars);
        }
    }
}
