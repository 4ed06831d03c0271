using Stagecraft.Runs;

namespace Stagecraft.Gcp.Bundles;

/// <summary>An app bundle could not be built, packed or uploaded; the message names the directory, file or command and why.</summary>
public class AppBundleException : RunBackendException
{
    public AppBundleException()
    {
    }

    public AppBundleException(string message)
        : base(message)
    {
    }

    public AppBundleException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
