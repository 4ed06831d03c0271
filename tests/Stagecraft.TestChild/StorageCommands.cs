using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Stagecraft.Local.Storage;
using Stagecraft.Storage;

namespace Stagecraft.TestChild;

/// <summary>Child commands for LocalObjectStorage race (compare-and-swap) and crash (SIGKILL mid-put) tests.</summary>
public static class StorageCommands
{
    /// <summary>The metadata key the put loop records its iteration under.</summary>
    public const string IterationMetadataKey = "iteration";

    /// <summary>A progress line is printed each time this many content bytes have been handed to the store.</summary>
    public const int ProgressInterval = 256 * 1024;

    [ModuleInitializer]
    internal static void Register()
    {
        // storage-cas-increment <root> <key> <count> <goFile>: print "ready", wait for goFile, then <count> times:
        // read value+generation, write value+1 if the generation still matches, retry otherwise.
        // Prints "wrote <value> <generation>" per success and "done <retries>" at the end.
        ChildCommands.Register("storage-cas-increment", async args =>
        {
            var storage = new LocalObjectStorage(args[0]);
            var key = args[1];
            var count = int.Parse(args[2], CultureInfo.InvariantCulture);
            Console.WriteLine("ready");
            await WaitForFileAsync(args[3]);

            var output = new StringBuilder();
            var retries = 0;
            for (var done = 0; done < count;)
            {
                long generation;
                int value;
                try
                {
                    await using var read = await storage.GetAsync(key);
                    generation = read.Info.Generation;
                    using var reader = new StreamReader(read.Content, Encoding.UTF8);
                    value = int.Parse(await reader.ReadToEndAsync(), CultureInfo.InvariantCulture);
                }
                catch (ObjectNotFoundException)
                {
                    (generation, value) = (0, 0);
                }

                try
                {
                    var next = (value + 1).ToString(CultureInfo.InvariantCulture);
                    var written = await storage.PutAsync(key, new MemoryStream(Encoding.UTF8.GetBytes(next)), new PutObjectOptions { IfGenerationMatch = generation });
                    output.Append(CultureInfo.InvariantCulture, $"wrote {next} {written.Generation}\n");
                    done++;
                }
                catch (PreconditionFailedException)
                {
                    retries++;
                }
            }

            // One write at the end: console I/O inside the loop would pace the race instead of the store.
            Console.Write(output.ToString());
            Console.WriteLine($"done {retries}");
            return 0;
        });

        // storage-put-loop <root> <key> <sizeBytes> <firstIteration>: rewrite <key> forever with the content of
        // iteration i = first, first+1, ...; prints "putting i", "progress i <bytes>" while streaming, "streamed i" when the
        // store has read it all (it is committing now), and "put i <generation>" once the put returned.
        ChildCommands.Register("storage-put-loop", async args =>
        {
            var storage = new LocalObjectStorage(args[0]);
            var key = args[1];
            var size = int.Parse(args[2], CultureInfo.InvariantCulture);
            for (var i = long.Parse(args[3], CultureInfo.InvariantCulture); ; i++)
            {
                Console.WriteLine($"putting {i}");
                var content = new ProgressStream(IterationContent(i, size), i);
                var options = new PutObjectOptions
                {
                    Metadata = new Dictionary<string, string> { [IterationMetadataKey] = i.ToString(CultureInfo.InvariantCulture) },
                };
                var info = await storage.PutAsync(key, content, options);
                Console.WriteLine($"put {i} {info.Generation}");
            }
        });
    }

    /// <summary>The deterministic content of put-loop iteration <paramref name="iteration"/>, so a reader can verify every byte.</summary>
    public static byte[] IterationContent(long iteration, int size)
    {
        // Sizes differ per iteration, so a mix of two versions would also show in the length.
        var data = new byte[size + (int)(iteration % 7 * 4099)];
        new Random(unchecked((int)iteration * 7919 + 17)).NextBytes(data);
        return data;
    }

    private static async Task WaitForFileAsync(string path)
    {
        // A start line shared by every racer, so they contend from the first write.
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (!File.Exists(path))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Start signal '{path}' never appeared.");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>Hands out content in small reads and reports progress, so a kill can land anywhere in a put.</summary>
    private sealed class ProgressStream(byte[] data, long iteration) : Stream
    {
        private int _position;
        private int _nextReport = ProgressInterval;
        private bool _ended;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(buffer.Length, 64 * 1024), data.Length - _position);
            if (n == 0 && !_ended)
            {
                _ended = true;
                Console.WriteLine($"streamed {iteration}");
            }

            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            if (_position >= _nextReport)
            {
                Console.WriteLine($"progress {iteration} {_position}");
                _nextReport += ProgressInterval;
            }

            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
