using System.Diagnostics;

namespace Stagecraft.WarmPool;

/// <summary>The pool's trace source: one activity per claim, ACK wait, registration, transition, reap and cleanup.</summary>
public static class WarmPoolTelemetry
{
    /// <summary>The <see cref="ActivitySource"/> name to listen to.</summary>
    public const string SourceName = "Stagecraft.WarmPool";

    /// <summary>Tag carrying the instance id.</summary>
    public const string InstanceIdTag = "stagecraft.warm_pool.instance_id";

    /// <summary>Tag carrying the run id.</summary>
    public const string RunIdTag = "stagecraft.run_id";

    internal static readonly ActivitySource Source = new(SourceName);
}
