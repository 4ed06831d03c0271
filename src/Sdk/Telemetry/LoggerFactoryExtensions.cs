using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Stagecraft.Telemetry;

/// <summary>The one rule for nested options: an inner options record that was given no logger factory logs where its owner logs.</summary>
public static class LoggerFactoryExtensions
{
    /// <summary><paramref name="own"/>, unless it is the <see cref="NullLoggerFactory"/> default: then <paramref name="owner"/>.</summary>
    public static ILoggerFactory OrInherited(this ILoggerFactory own, ILoggerFactory owner) =>
        own is NullLoggerFactory ? owner : own;
}
