namespace Stagecraft.References;

/// <summary>The file names the reference store, the seeding, the upload-back and the merge agree on.</summary>
public static class ReferenceFileNames
{
    /// <summary>
    /// <c>_reference_fp.txt</c> in <c>&lt;root&gt;/&lt;key&gt;/</c>: the fingerprint the tree was built for (UTF-8, one line).
    /// Present only when the tree beside it is complete and was built for exactly that fingerprint.
    /// </summary>
    public const string Marker = "_reference_fp.txt";

    /// <summary>The per-key lock file is <c>&lt;root&gt;/&lt;key&gt;.build.lock</c>, shared by build, seed merge, upload and post-run merge.</summary>
    public const string LockFileSuffix = ".build.lock";

    /// <summary>
    /// <c>_source_mtimes.json</c> in an uploaded key slice: relative path → the source file's last write time (UTC, ISO 8601).
    /// It is the slice's manifest: objects it does not list are not part of the slice.
    /// </summary>
    public const string SourceMtimes = "_source_mtimes.json";

    /// <summary><c>_upload_complete</c> in an uploaded key slice, written last: without it the slice is ignored.</summary>
    public const string UploadComplete = "_upload_complete";

    /// <summary><c>.download_complete</c> inside a downloaded required artefact directory.</summary>
    public const string DownloadComplete = ".download_complete";

    /// <summary><c>.optional_seed_download_complete</c> in a reference root: the optional seed (of the prefix it names) was merged.</summary>
    public const string OptionalSeedComplete = ".optional_seed_download_complete";

    /// <summary>Whether <paramref name="relativePath"/> (<c>/</c>-separated, relative to a key slice) is one of the slice's own files, not reference content.</summary>
    internal static bool IsSliceBookkeeping(string relativePath) =>
        relativePath is SourceMtimes or UploadComplete;
}
