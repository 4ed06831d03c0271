using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Stagecraft.Registry;

/// <summary>Options for <see cref="AliasGuard"/>.</summary>
public sealed record AliasGuardOptions
{
    /// <summary>How long a restore on dispose may take before it is abandoned (and logged). Default 30 s.</summary>
    public TimeSpan RestoreTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The reason recorded in the alias history for a restoring move.</summary>
    public string RestoreReason { get; init; } = "restored by AliasGuard: the pipeline that moved it failed";

    /// <summary>Where restore progress and failures (with their exceptions) go. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
