using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Stagecraft.Registry;

/// <summary>Options for <see cref="ModelRegistry"/>.</summary>
public sealed record ModelRegistryOptions
{
    /// <summary>Where in the object store the registry lives. Default <see cref="RegistryPaths.DefaultRoot"/>.</summary>
    public string Root { get; init; } = RegistryPaths.DefaultRoot;

    /// <summary>Who is acting, recorded on every record, move and decision. Default: user@machine and process id.</summary>
    public string Actor { get; init; } = $"{Environment.UserName}@{Environment.MachineName} (pid {Environment.ProcessId})";

    /// <summary>The clock for record, move and decision times. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where registrations, alias moves and promotion decisions go. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
