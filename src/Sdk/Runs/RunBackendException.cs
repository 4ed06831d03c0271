namespace Stagecraft.Runs;

/// <summary>Base type of run-backend failures that are not argument errors.</summary>
public class RunBackendException : Exception
{
    public RunBackendException()
    {
    }

    public RunBackendException(string message)
        : base(message)
    {
    }

    public RunBackendException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
