namespace Stagecraft.References;

/// <summary>
/// What a <see cref="PostRunMerger.MergeAsync"/> did, persisted as <c>ReferencePaths.MergeReport</c>
/// (<c>runs/{runId}/merge_report.json</c>). Every key found in any shard appears as merged or skipped, never silently dropped.
/// </summary>
/// <param name="RunId">The run merged.</param>
/// <param name="Kind">The reference kind merged.</param>
/// <param name="LocalRoot">The local reference root merged into.</param>
/// <param name="StartedAt">When the merge started.</param>
/// <param name="FinishedAt">When it finished.</param>
/// <param name="SlicesRead">Complete key slices whose manifest was read (0: nothing could be read).</param>
/// <param name="MergedKeys">Keys whose cloud tree replaced the local one.</param>
/// <param name="SkippedKeys">Keys seen in storage but not merged, with the reason.</param>
/// <param name="IgnoredShards">Shards or key slices not used, with the reason (a slice's key also appears in merged or skipped).</param>
public sealed record MergeReport(
    string RunId,
    string Kind,
    string LocalRoot,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    int SlicesRead,
    IReadOnlyList<MergedReferenceKey> MergedKeys,
    IReadOnlyList<SkippedReferenceKey> SkippedKeys,
    IReadOnlyList<IgnoredShard> IgnoredShards);

/// <summary>A key whose cloud tree won and now is the local reference.</summary>
/// <param name="Key">The reference key.</param>
/// <param name="Fingerprint">The fingerprint of the merged tree (its marker).</param>
/// <param name="FileCount">Files in the merged tree, marker included.</param>
/// <param name="Shards">The shards files were picked from.</param>
public sealed record MergedReferenceKey(string Key, string Fingerprint, int FileCount, IReadOnlyList<string> Shards);

/// <summary>A key found in storage and not merged.</summary>
/// <param name="Key">The reference key.</param>
/// <param name="Code">Why, for programs.</param>
/// <param name="Reason">Why, for people.</param>
public sealed record SkippedReferenceKey(string Key, MergeSkipCode Code, string Reason);

/// <summary>A shard (<see cref="Key"/> null) or one key slice of it that the merge did not use.</summary>
/// <param name="Shard">The shard (<c>&lt;host&gt;-&lt;pid&gt;</c>).</param>
/// <param name="Key">The key slice, or <see langword="null"/> for the whole shard.</param>
/// <param name="Code">Why, for programs.</param>
/// <param name="Reason">Why, for people.</param>
public sealed record IgnoredShard(string Shard, string? Key, IgnoredShardCode Code, string Reason);

/// <summary>Why a key was not merged.</summary>
public enum MergeSkipCode
{
    /// <summary>No shard has a complete slice of the key (e.g. its only upload was cut off).</summary>
    NoCompleteUpload,

    /// <summary>The complete slices carry no marker, so their content is bound to no fingerprint.</summary>
    NoCloudMarker,

    /// <summary>The local marker is as new as or newer than the cloud marker: nothing was touched.</summary>
    LocalIsNewer,

    /// <summary>The picked files clash (a file where another needs a directory).</summary>
    ConflictingPicks,

    /// <summary>The local key directory is a symbolic link; nothing is written through it.</summary>
    UnsafeLocalPath,

    /// <summary>Reading or writing failed; the local reference was left as it was.</summary>
    Failed,
}

/// <summary>Why a shard or key slice was not used.</summary>
public enum IgnoredShardCode
{
    /// <summary>No <see cref="ReferenceFileNames.UploadComplete"/>: the upload did not finish.</summary>
    MissingUploadComplete,

    /// <summary>No <see cref="ReferenceFileNames.SourceMtimes"/> sidecar.</summary>
    MissingSidecar,

    /// <summary>The sidecar is not a valid manifest.</summary>
    InvalidSidecar,

    /// <summary>The sidecar lists a file that is not in the slice.</summary>
    MissingObject,

    /// <summary>A path escapes the key directory (<c>..</c>, absolute, or not a plain relative name).</summary>
    UnsafePath,

    /// <summary>The slice's folder name is not a valid reference key.</summary>
    InvalidKey,

    /// <summary>The slice's marker is not a valid fingerprint.</summary>
    InvalidMarker,

    /// <summary>The slice is complete but has no marker while other slices of the key do.</summary>
    NoMarker,

    /// <summary>The slice was built for another fingerprint than the newest cloud marker; files are never mixed across fingerprints.</summary>
    SupersededFingerprint,

    /// <summary>Objects lie directly under the kind or shard folder, outside any key slice.</summary>
    StrayObjects,

    /// <summary>The slice could not be read from storage.</summary>
    ReadFailed,
}
