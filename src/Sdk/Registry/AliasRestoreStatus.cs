namespace Stagecraft.Registry;

/// <summary>What <see cref="AliasGuard.RestoreAsync"/> did with one alias.</summary>
public enum AliasRestoreStatus
{
    /// <summary>The alias points where it pointed before the guard's first move again.</summary>
    Restored,

    /// <summary>The guard's moves already ended where they started; nothing to do.</summary>
    AlreadyOriginal,

    /// <summary>Someone else moved the alias after the guard's last move; their move was left in place.</summary>
    SkippedMovedByOthers,

    /// <summary>The restore failed (logged with the exception); the alias still points where the pipeline left it.</summary>
    Failed,
}
