namespace Stagecraft.Artifacts;

/// <summary>Where an artefact lives, as named by the scheme of its <see cref="ArtifactUri"/>.</summary>
public enum ArtifactUriScheme
{
    /// <summary><c>gs://{bucket}[/{prefix}]/…</c>: a Cloud Storage bucket.</summary>
    GoogleCloudStorage,

    /// <summary><c>file:///{absolute directory}/…</c>: a local (or mounted) object-storage root.</summary>
    File,
}
