namespace Stagecraft.Snapshots;

/// <summary>A stage's inputs on a shared-nothing worker, hydrated from its snapshot: nothing here touches the coordinator's disk.</summary>
public sealed class HydratedStage
{
    internal HydratedStage(StageSnapshot snapshot)
    {
        Snapshot = snapshot;
        Configuration = snapshot.CreateConfigurationStore();
        Files = snapshot.CreateFileStore();
    }

    /// <summary>The snapshot the stage was hydrated from.</summary>
    public StageSnapshot Snapshot { get; }

    /// <summary>The stage to run.</summary>
    public string StageName => Snapshot.StageName;

    /// <summary>The stage's parameters.</summary>
    public IReadOnlyDictionary<string, string> Parameters => Snapshot.Parameters;

    /// <summary>Configuration, read-only (writes throw <see cref="ReadOnlyStoreException"/>).</summary>
    public IConfigurationStore Configuration { get; }

    /// <summary>Referenced files, read-only (writes throw <see cref="ReadOnlyStoreException"/>).</summary>
    public IFileStore Files { get; }
}
