namespace Stagecraft.Gcp.Emulation.Storage;

/// <summary>Behaviour knobs of <see cref="FakeGcsServer"/>.</summary>
public sealed record FakeGcsOptions
{
    /// <summary>Buckets that exist from the start.</summary>
    public IReadOnlyList<string> Buckets { get; init; } = ["test-bucket"];

    /// <summary>When set, every request must carry <c>Authorization: Bearer {token}</c> (401 otherwise). Null = no auth.</summary>
    public string? RequiredBearerToken { get; init; }

    /// <summary>The first generation handed out; far above int32 so that truncation bugs show. Generations only grow.</summary>
    public long FirstGeneration { get; init; } = 1_700_000_000_000_000;

    /// <summary>Entries (objects + new prefixes) per list page, whatever <c>maxResults</c> asks for. Small values force paging.</summary>
    public int MaxPageSize { get; init; } = 1000;

    /// <summary>
    /// Names scanned per list page before the page is cut, even in the middle of a folded prefix (which then
    /// reappears on the next page), as the real service does under load. 0 = unlimited.
    /// </summary>
    public int MaxScannedPerPage { get; init; }

    /// <summary>Every n-th list request returns an empty page that still has a next-page token. 0 = never.</summary>
    public int EmptyPageEvery { get; init; }

    /// <summary>Bytes a single rewrite call copies before answering <c>done: false</c> with a token. 0 = all at once.</summary>
    public long RewriteBytesPerCall { get; init; }

    /// <summary>The clock for timestamps.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
