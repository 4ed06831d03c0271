using Stagecraft.Gcp.Storage;
using Stagecraft.Local.Storage;
using Stagecraft.Storage;

namespace Stagecraft.Cli.Hosting;

/// <summary>
/// Where a command's object storage is, parsed from <c>--storage</c> or <c>STAGECRAFT_STORAGE</c>:
/// <c>gs://bucket[/prefix]</c> (Cloud Storage, application default credentials, <c>STORAGE_EMULATOR_HOST</c> honoured),
/// <c>file:///absolute/path</c>, or a plain path (a local store directory).
/// </summary>
internal sealed record StorageLocation
{
    public const string EnvironmentVariable = "STAGECRAFT_STORAGE";

    private StorageLocation(string text, string? localDirectory, string? bucket, string? prefix)
    {
        Text = text;
        LocalDirectory = localDirectory;
        Bucket = bucket;
        Prefix = prefix;
    }

    /// <summary>The text as given.</summary>
    public string Text { get; }

    /// <summary>The local store directory (absolute), or null for a bucket.</summary>
    public string? LocalDirectory { get; }

    public string? Bucket { get; }

    /// <summary>The key prefix inside the bucket (no trailing slash), or null.</summary>
    public string? Prefix { get; }

    /// <exception cref="CliException">A usage error naming the text and the accepted forms.</exception>
    public static StorageLocation Parse(string text)
    {
        const string Forms = "expected gs://bucket[/prefix], file:///absolute/path or a directory path";
        if (string.IsNullOrWhiteSpace(text))
        {
            throw CliException.Usage($"invalid storage '{text}': it is empty ({Forms})");
        }

        if (text.StartsWith("gs://", StringComparison.Ordinal))
        {
            var rest = text["gs://".Length..].TrimEnd('/');
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var bucket = slash < 0 ? rest : rest[..slash];
            var prefix = slash < 0 ? null : rest[(slash + 1)..];
            try
            {
                GcsBucketName.Validate(bucket);
                if (prefix is not null)
                {
                    ObjectKey.ValidatePrefix(prefix + "/");
                }
            }
            catch (ArgumentException e)
            {
                throw CliException.Usage($"invalid storage '{text}': {e.Message}", e);
            }

            return new StorageLocation(text, null, bucket, prefix);
        }

        if (text.StartsWith("file:", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !uri.IsFile || !string.IsNullOrEmpty(uri.Host))
            {
                throw CliException.Usage($"invalid storage '{text}': a file URI must be file:///absolute/path ({Forms})");
            }

            return new StorageLocation(text, Path.GetFullPath(uri.LocalPath), null, null);
        }

        if (text.Contains("://", StringComparison.Ordinal))
        {
            throw CliException.Usage($"invalid storage '{text}': unsupported scheme ({Forms})");
        }

        return new StorageLocation(text, Path.GetFullPath(text), null, null);
    }

    /// <summary>Opens the store. A local directory must already exist: a typo must not create an empty store.</summary>
    /// <returns>The store, and what to dispose when the command ends (the Cloud Storage client), if anything.</returns>
    /// <exception cref="CliException">Not found: the local directory does not exist.</exception>
    public (IObjectStorage Storage, IDisposable? Owned) Open()
    {
        if (LocalDirectory is { } directory)
        {
            if (!Directory.Exists(directory))
            {
                throw CliException.NotFound($"storage directory '{directory}' does not exist (from storage '{Text}')");
            }

            return (new LocalObjectStorage(directory), null);
        }

        var bucket = new GcsObjectStorage(new GcsStorageOptions { Bucket = Bucket! });
        return (Prefix is null ? bucket : new PrefixedObjectStorage(bucket, Prefix), bucket);
    }

    public override string ToString() => Text;
}
