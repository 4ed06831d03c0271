namespace Stagecraft.References;

/// <summary>What <see cref="ReferenceSeeding.DownloadRequiredAsync"/> did.</summary>
/// <param name="Directory">The artefact's directory, complete (it holds <see cref="ReferenceFileNames.DownloadComplete"/>).</param>
/// <param name="AlreadyPresent">An earlier download had completed; nothing was downloaded.</param>
/// <param name="FileCount">Files downloaded (0 when already present).</param>
public sealed record RequiredArtifactResult(DirectoryInfo Directory, bool AlreadyPresent, int FileCount);
