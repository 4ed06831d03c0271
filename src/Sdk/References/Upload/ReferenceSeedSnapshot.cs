using System.Collections.Concurrent;
using System.Text;
using Stagecraft.Storage;
using Stagecraft.Storage.Transfers;

namespace Stagecraft.References;

/// <summary>
/// The fingerprint of every key in a run's optional seed, read from storage: what the laptop already has. A worker
/// uploads back only keys whose local marker differs from it.
/// </summary>
/// <remarks>
/// Read it from storage (<see cref="ReadAsync"/>), never from the worker's disk: the reference root on a worker is
/// shared by every process of the VM, so a replacement process would otherwise take a crashed peer's fresh build for
/// seed content and never upload it. The seed prefix is written before any worker starts and is immutable for the run.
/// </remarks>
public sealed class ReferenceSeedSnapshot
{
    private const int MaxConcurrentReads = 16;

    private readonly Dictionary<string, string> _fingerprints;

    /// <summary>Creates a snapshot from known fingerprints (key → fingerprint).</summary>
    public ReferenceSeedSnapshot(IReadOnlyDictionary<string, string> fingerprints)
    {
        ArgumentNullException.ThrowIfNull(fingerprints);
        _fingerprints = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, fingerprint) in fingerprints)
        {
            _fingerprints[ReferenceKey.Validate(key, nameof(fingerprints))] = ReferenceFingerprint.Validate(fingerprint, nameof(fingerprints));
        }
    }

    /// <summary>No seed: every key with a marker is eligible for upload.</summary>
    public static ReferenceSeedSnapshot Empty { get; } = new(new Dictionary<string, string>());

    /// <summary>Key → seed fingerprint.</summary>
    public IReadOnlyDictionary<string, string> Fingerprints => _fingerprints;

    /// <summary>The seed's fingerprint of <paramref name="key"/>, or <see langword="null"/> when the seed does not have it.</summary>
    public string? FingerprintOf(string key) => _fingerprints.GetValueOrDefault(key);

    /// <summary>
    /// Reads <c>{seedPrefix}{key}/_reference_fp.txt</c> for every key under <paramref name="seedPrefix"/> (for example
    /// <c>ReferencePaths.ReferenceSeed(kind)</c>). An empty prefix is an empty snapshot. Keys with invalid names or markers, or with a marker and no content, are left out.
    /// Key folders are found by one delimited listing, so the cost grows with keys, not with the files inside them.
    /// </summary>
    /// <exception cref="StorageException">Storage could not be read; a worker should not guess (see remarks).</exception>
    public static async Task<ReferenceSeedSnapshot> ReadAsync(IObjectStorage storage, string seedPrefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var prefix = TransferPaths.NormalizePrefix(seedPrefix);
        var keys = new List<(string Key, string Folder)>();
        await foreach (var entry in storage.ListAsync(prefix, new ListObjectsOptions { Delimiter = "/" }, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Prefix is { } folder && folder[prefix.Length..^1] is { } key && ReferenceKey.IsValid(key))
            {
                keys.Add((key, folder));
            }
        }

        // One small read per key: several at once, since on Cloud Storage each is a round trip.
        var fingerprints = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentReads, CancellationToken = cancellationToken }, async (item, ct) =>
        {
            ObjectReadResult read;
            try
            {
                read = await storage.GetAsync(item.Folder + ReferenceFileNames.Marker, null, ct).ConfigureAwait(false);
            }
            catch (ObjectNotFoundException)
            {
                return; // a seed key without a marker is not a reference (seeding does not install it either)
            }

            string fingerprint;
            await using (read.ConfigureAwait(false))
            {
                if (read.Info.Size > ReferenceFingerprint.MaxMarkerFileBytes)
                {
                    return; // not a fingerprint
                }

                using var reader = new StreamReader(read.Content, new UTF8Encoding(false, throwOnInvalidBytes: false));
                fingerprint = (await reader.ReadToEndAsync(ct).ConfigureAwait(false)).TrimEnd('\n', '\r');
            }

            // A bare marker is a corrupt seed that seeding will not install: the worker's own build must not look
            // "already in the seed", or it would never be uploaded back.
            if (ReferenceFingerprint.IsValid(fingerprint) && await HasContentBesideMarkerAsync(storage, item.Folder, ct).ConfigureAwait(false))
            {
                fingerprints[item.Key] = fingerprint;
            }
        }).ConfigureAwait(false);

        return new ReferenceSeedSnapshot(fingerprints);
    }

    private static async Task<bool> HasContentBesideMarkerAsync(IObjectStorage storage, string folder, CancellationToken cancellationToken)
    {
        await foreach (var entry in storage.ListAsync(folder, new ListObjectsOptions { PageSize = 2 }, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Object is { } info && info.Key != folder + ReferenceFileNames.Marker)
            {
                return true;
            }
        }

        return false;
    }
}
