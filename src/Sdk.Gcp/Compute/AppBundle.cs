using System.Globalization;
using Stagecraft.Storage;

namespace Stagecraft.Gcp.Compute;

/// <summary>
/// An experiment's <c>dotnet publish</c> output, uploaded to the bucket as one <c>.tar.gz</c> object under a key derived
/// from its content hash, so identical bundles are uploaded once and a VM can verify what it downloaded.
/// </summary>
public sealed record AppBundle
{
    /// <param name="objectKey">The bundle object's key in the run's bucket (validated by <see cref="ObjectKey"/>).</param>
    /// <param name="sha256">The SHA-256 of the object's bytes: 64 lower-case hex digits; the VM refuses a bundle that does not match.</param>
    public AppBundle(string objectKey, string sha256)
    {
        ObjectKey.Validate(objectKey, nameof(objectKey));
        ArgumentNullException.ThrowIfNull(sha256);
        if (sha256.Length != 64 || !sha256.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            throw new ArgumentException($"'{sha256}' is not a SHA-256 digest (expected 64 lower-case hex digits).", nameof(sha256));
        }

        Key = objectKey;
        Sha256 = sha256;
    }

    /// <summary>The conventional key of a bundle with this digest: <c>bundles/{sha256}.tar.gz</c>.</summary>
    public static AppBundle ForDigest(string sha256) => new(string.Create(CultureInfo.InvariantCulture, $"bundles/{sha256}.tar.gz"), sha256);

    /// <summary>The bundle object's key.</summary>
    public string Key { get; }

    /// <summary>The SHA-256 of the bundle's bytes, lower-case hex.</summary>
    public string Sha256 { get; }

    /// <summary>
    /// The program inside the bundle that runs a pipeline stage (the experiment's apphost, e.g. <c>QuickStart</c>), as a
    /// path relative to the bundle's root; null when the bundle is not an experiment's publish output. When set, the
    /// backend starts pipeline workers as <c>./{EntryPoint}</c> in the extracted bundle instead of a coordinator's path.
    /// </summary>
    public string? EntryPoint
    {
        get;
        init
        {
            if (value is not null && (value.Length == 0 || value.StartsWith('/') || value.Split('/').Any(s => s is "" or "." or "..") || value.Any(char.IsControl)))
            {
                throw new ArgumentException($"'{value}' is not a path inside the bundle (relative, '/'-separated, without empty, '.' or '..' segments).", nameof(EntryPoint));
            }

            field = value;
        }
    }
}
