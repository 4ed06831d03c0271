using System.Diagnostics;
using Stagecraft.Telemetry;

namespace Stagecraft.WarmPool;

/// <summary>
/// The pool's trace source (<see cref="StagecraftTelemetry.WarmPoolSource"/>): one activity per claim, ACK wait,
/// registration, transition, reap and cleanup, tagged with <see cref="StagecraftTags"/>.
/// </summary>
internal static class WarmPoolTelemetry
{
    internal static readonly ActivitySource Source = new(StagecraftTelemetry.WarmPoolSource);
}
