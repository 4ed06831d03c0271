namespace Stagecraft.Telemetry;

/// <summary>
/// The one attribute vocabulary of Stagecraft's traces: every tag is <c>stagecraft.{thing}.{property}</c>, dotted,
/// lower case, so one query finds a run's activities whichever component emitted them.
/// </summary>
public static class StagecraftTags
{
    /// <summary>A pipeline run's id (also a backend run's id where they coincide).</summary>
    public const string RunId = "stagecraft.run.id";

    /// <summary>The status a run or stage ended with.</summary>
    public const string RunStatus = "stagecraft.run.status";

    /// <summary>A pipeline's name.</summary>
    public const string PipelineName = "stagecraft.pipeline.name";

    /// <summary>A stage's name.</summary>
    public const string StageName = "stagecraft.stage.name";

    /// <summary>A stage's cache fingerprint.</summary>
    public const string StageFingerprint = "stagecraft.stage.fingerprint";

    /// <summary>The id of the backend run that executed a stage.</summary>
    public const string BackendRunId = "stagecraft.backend.run_id";

    /// <summary>An object key.</summary>
    public const string StorageKey = "stagecraft.storage.key";

    /// <summary>The source key of a copy.</summary>
    public const string StorageSourceKey = "stagecraft.storage.source_key";

    /// <summary>A key prefix (listing, transfer).</summary>
    public const string StoragePrefix = "stagecraft.storage.prefix";

    /// <summary>A bucket name.</summary>
    public const string StorageBucket = "stagecraft.storage.bucket";

    /// <summary>An object generation.</summary>
    public const string StorageGeneration = "stagecraft.storage.generation";

    /// <summary>How an upload was sent (<c>multipart</c>, <c>resumable</c>).</summary>
    public const string StorageUploadType = "stagecraft.storage.upload_type";

    /// <summary>A registry alias.</summary>
    public const string RegistryAlias = "stagecraft.registry.alias";

    /// <summary>A reference key.</summary>
    public const string ReferenceKey = "stagecraft.reference.key";

    /// <summary>A reference kind.</summary>
    public const string ReferenceKind = "stagecraft.reference.kind";

    /// <summary>A reference upload shard.</summary>
    public const string ReferenceShard = "stagecraft.reference.shard";

    /// <summary>How a reference request ended (<c>built</c>, <c>reused</c>, …).</summary>
    public const string ReferenceOutcome = "stagecraft.reference.outcome";

    /// <summary>Counts of a reference merge or upload.</summary>
    public const string ReferenceMerged = "stagecraft.reference.merged";

    /// <inheritdoc cref="ReferenceMerged"/>
    public const string ReferenceSkipped = "stagecraft.reference.skipped";

    /// <inheritdoc cref="ReferenceMerged"/>
    public const string ReferenceIgnored = "stagecraft.reference.ignored";

    /// <inheritdoc cref="ReferenceMerged"/>
    public const string ReferenceUploaded = "stagecraft.reference.uploaded";

    /// <inheritdoc cref="ReferenceMerged"/>
    public const string ReferenceFailed = "stagecraft.reference.failed";

    /// <summary>A warm-pool instance's name.</summary>
    public const string PoolInstance = "stagecraft.pool.instance";

    /// <summary>A warm-pool profile.</summary>
    public const string PoolProfile = "stagecraft.pool.profile";

    /// <summary>A warm-pool state transition (<c>idle→claimed</c>).</summary>
    public const string PoolTransition = "stagecraft.pool.transition";

    /// <summary>How an instance's ACK of a claimed job ended.</summary>
    public const string PoolAckOutcome = "stagecraft.pool.ack_outcome";

    /// <summary>The state a warm-pool instance left.</summary>
    public const string PoolFromState = "stagecraft.pool.from_state";

    /// <summary>The state a warm-pool instance entered.</summary>
    public const string PoolToState = "stagecraft.pool.to_state";

    /// <summary>True when a transition lost its compare-and-swap to another process.</summary>
    public const string PoolLostRace = "stagecraft.pool.lost_race";

    /// <summary>How many actions a warm-pool reaper pass took.</summary>
    public const string PoolActions = "stagecraft.pool.actions";
}
