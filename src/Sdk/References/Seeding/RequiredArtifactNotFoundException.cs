
namespace Stagecraft.References;

/// <summary>A required artefact's prefix holds no object: the run cannot start without it (an optional seed would be a no-op).</summary>
public sealed class RequiredArtifactNotFoundException : ReferenceException
{
    public RequiredArtifactNotFoundException()
    {
    }

    public RequiredArtifactNotFoundException(string message)
        : base(message)
    {
    }

    public RequiredArtifactNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="prefix">The empty prefix.</param>
    /// <param name="localDirectory">Where the artefact was to be downloaded.</param>
    public RequiredArtifactNotFoundException(string prefix, string localDirectory)
        : base($"The required artefact prefix '{prefix}' is empty; nothing to download into '{localDirectory}'. Upload it before the run (an empty prefix is an error for required artefacts).")
    {
        Prefix = prefix;
        LocalDirectory = localDirectory;
    }

    /// <summary>The empty prefix.</summary>
    public string? Prefix { get; }

    /// <summary>Where the artefact was to be downloaded.</summary>
    public string? LocalDirectory { get; }
}
