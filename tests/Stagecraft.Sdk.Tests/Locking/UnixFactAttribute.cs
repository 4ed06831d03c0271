namespace Stagecraft.Sdk.Tests.Locking;

/// <summary>A fact about Unix kernel behaviour (flock, signals); reported as skipped on Windows.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "Unix-only: exercises flock(2) semantics.";
        }
    }
}
