namespace Stagecraft.Gcp.Compute;

/// <summary>
/// The project's quota does not allow the VM (<c>QUOTA_EXCEEDED</c>). Not retried in another zone: quotas are mostly
/// regional or global, and waiting will not help; raise the quota or pick a smaller profile.
/// </summary>
public sealed class GceQuotaExceededException : ComputeEngineException
{
    public GceQuotaExceededException()
    {
    }

    public GceQuotaExceededException(string message)
        : base(message)
    {
    }

    public GceQuotaExceededException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public GceQuotaExceededException(string message, string zone)
        : base(message, "QUOTA_EXCEEDED", 403) => Zone = zone;

    public GceQuotaExceededException(string message, string zone, Exception? innerException)
        : base(message, "QUOTA_EXCEEDED", 403, innerException) => Zone = zone;

    /// <summary>The zone whose insert reported the quota error.</summary>
    public string? Zone { get; }
}
