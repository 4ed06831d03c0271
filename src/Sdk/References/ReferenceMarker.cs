namespace Stagecraft.References;

/// <summary>A key's completion marker: the fingerprint its tree was built for, and when the marker was written.</summary>
/// <param name="Fingerprint">The content of <see cref="ReferenceFileNames.Marker"/>.</param>
/// <param name="LastWriteTimeUtc">
/// The marker's last write time. A build stamps its commit time; a merge or seed keeps the source marker's time, so
/// "newer" compares when references were built, not when they were copied.
/// </param>
public sealed record ReferenceMarker(string Fingerprint, DateTime LastWriteTimeUtc);
