namespace Stagecraft.Artifacts;

/// <summary>Where an artefact lives, as named by the scheme of its <see cref="ArtifactUri"/>.</summary>
public enum ArtifactUriScheme
{
    /// <summary><c>gs://{bucket}[/{prefix}]/…</c>: a Cloud Storage bucket.</summary>
    GoogleCloudStorage,

    /// <summary>
    /// <c>file:///{absolute directory}/…</c>: an object store rooted in a local directory. Read the artefact through that
    /// store with <see cref="ArtifactUri.ObjectKey"/> (a store may lay its files out in its own way).
    /// </summary>
    File,
}
