using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using Stagecraft.IO;

namespace Stagecraft.TestChild;

/// <summary>
/// Child commands for AtomicFile crash tests: write versions forever, print each committed one, get killed.
/// Content is self-validating (see <see cref="AtomicFileVersions"/>), so the parent can tell a whole
/// version from a torn one.
/// </summary>
internal static class AtomicFileCommands
{
    [ModuleInitializer]
    internal static void Register()
    {
        // atomic-write-loop <target> <size> <bytes|stream|sync>
        ChildCommands.Register("atomic-write-loop", async args =>
        {
            var target = args[0];
            var size = int.Parse(args[1], CultureInfo.InvariantCulture);
            var mode = args[2];
            for (long version = 1; ; version++)
            {
                var content = AtomicFileVersions.Make(version, size);
                var options = new AtomicWriteOptions { LastWriteTimeUtc = AtomicFileVersions.MTime(version) };
                switch (mode)
                {
                    case "bytes":
                        await AtomicFile.WriteAllBytesAsync(target, content, options);
                        break;
                    case "sync":
                        AtomicFile.WriteAllBytes(target, content, options);
                        break;
                    default:
                        await AtomicFile.WriteAsync(target, new TrickleStream(content), options);
                        break;
                }

                Console.WriteLine($"committed {version}");
            }
        });

        // replace-dir-loop <target> <files per tree>
        ChildCommands.Register("replace-dir-loop", async args =>
        {
            var target = args[0];
            var files = int.Parse(args[1], CultureInfo.InvariantCulture);
            for (long version = 1; ; version++)
            {
                var staging = AtomicFile.CreateStagingDirectory(target);
                for (var i = 0; i < files; i++)
                {
                    await File.WriteAllBytesAsync(Path.Combine(staging, $"part-{i}.bin"), AtomicFileVersions.Make(version, 4096 + i));
                }

                AtomicFile.ReplaceDirectory(staging, target, Durability.None);
                Console.WriteLine($"committed {version}");
            }
        });
    }

    /// <summary>Hands out content in small reads so a kill lands mid-copy.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 16 * 1024)], cancellationToken);
    }
}

/// <summary>Self-validating versioned content: 8-byte version, then bytes derived from version and offset.</summary>
public static class AtomicFileVersions
{
    public static byte[] Make(long version, int size)
    {
        var content = new byte[Math.Max(size, 8)];
        BinaryPrimitives.WriteInt64LittleEndian(content, version);
        for (var i = 8; i < content.Length; i++)
        {
            content[i] = (byte)((version * 31) + (i * 7));
        }

        return content;
    }

    /// <summary>The version if <paramref name="content"/> is exactly one whole version of <paramref name="size"/> bytes, otherwise null.</summary>
    public static long? Read(byte[] content, int size)
    {
        if (content.Length != Math.Max(size, 8))
        {
            return null;
        }

        var version = BinaryPrimitives.ReadInt64LittleEndian(content);
        return Make(version, size).AsSpan().SequenceEqual(content) ? version : null;
    }

    public static DateTime MTime(long version) => new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(version);
}
