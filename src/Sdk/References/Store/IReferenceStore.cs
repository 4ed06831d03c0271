namespace Stagecraft.References;

/// <summary>
/// A warm cache of built artefacts: per key, a directory holding a reference built for a fingerprint, reused while
/// the fingerprint matches and rebuilt (once, across processes) when it does not.
/// </summary>
/// <remarks>
/// Invariant: <b>marker present ⇒ content complete and built for that fingerprint</b>. A tree is only ever made live
/// whole, by renaming a complete staged tree over the key's directory, so no reader or crash survivor sees a marker
/// next to a partial or mixed tree.
/// </remarks>
public interface IReferenceStore
{
    /// <summary>The root directory (full path).</summary>
    string RootDirectory { get; }

    /// <summary>
    /// Returns the directory of <paramref name="key"/> built for <paramref name="fingerprint"/>, building it first if needed.
    /// </summary>
    /// <remarks>
    /// Reuses the reference when its marker matches. Otherwise takes the key's cross-process lock, re-checks the
    /// marker (a peer may have committed while we waited: its reference is reused and <paramref name="build"/> is not
    /// called), lets <paramref name="build"/> fill an empty staging directory, writes the marker into it and renames it
    /// over the key's directory. A markerless leftover directory is scrap: replaced at commit, never a reason to rebuild.
    /// </remarks>
    /// <param name="key">The reference key (see <see cref="ReferenceKey"/>).</param>
    /// <param name="fingerprint">What the reference must have been built for (see <see cref="ReferenceFingerprint"/>).</param>
    /// <param name="build">Fills the given empty directory with the reference. Anything it writes as <see cref="ReferenceFileNames.Marker"/> is replaced.</param>
    /// <param name="force">The user asked for a rebuild: build even when the marker matches.</param>
    /// <param name="cancellationToken">Cancels waiting and building; a cancelled build leaves the previous reference in place.</param>
    /// <returns>The key's directory, complete and marked with <paramref name="fingerprint"/>.</returns>
    Task<DirectoryInfo> EnsureAsync(
        string key,
        string fingerprint,
        Func<DirectoryInfo, CancellationToken, Task> build,
        bool force = false,
        CancellationToken cancellationToken = default);

    /// <summary>The key's directory when it holds a complete reference (its marker is present), otherwise <see langword="null"/>.</summary>
    /// <param name="key">The reference key.</param>
    DirectoryInfo? TryGet(string key);

    /// <summary>The key's marker (fingerprint and time), or <see langword="null"/> when the key has no complete reference.</summary>
    /// <param name="key">The reference key.</param>
    ReferenceMarker? GetMarker(string key);
}
