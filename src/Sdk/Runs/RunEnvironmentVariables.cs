namespace Stagecraft.Runs;

/// <summary>Environment variables every backend sets for a run's command, so a stage can find its place without arguments.</summary>
public static class RunEnvironmentVariables
{
    /// <summary>The run's id.</summary>
    public const string RunId = "STAGECRAFT_RUN_ID";

    /// <summary><see cref="RunSpec.InputPrefix"/> (unset when there is none).</summary>
    public const string InputPrefix = "STAGECRAFT_INPUT_PREFIX";

    /// <summary><see cref="RunSpec.EffectiveOutputPrefix"/>.</summary>
    public const string OutputPrefix = "STAGECRAFT_OUTPUT_PREFIX";

    /// <summary><see cref="RunSpec.ResourceProfile"/> as resolved by the backend.</summary>
    public const string ResourceProfile = "STAGECRAFT_RESOURCE_PROFILE";

    /// <summary>A local file holding <see cref="RunSpec.Snapshot"/> (unset when there is none).</summary>
    public const string SnapshotPath = "STAGECRAFT_SNAPSHOT_PATH";
}
