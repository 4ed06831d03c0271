namespace Stagecraft.Sdk.Tests.Locking;

/// <summary>A fact that needs <c>python3</c> on PATH (interop with <c>fcntl.flock</c>); skipped with the reason otherwise.</summary>
public sealed class Python3FactAttribute : FactAttribute
{
    public Python3FactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "Unix-only: Python's fcntl.flock does not exist on Windows.";
        }
        else if (Python3.Executable is null)
        {
            Skip = "python3 is not on PATH; install it to run the fcntl.flock interop tests.";
        }
    }
}
