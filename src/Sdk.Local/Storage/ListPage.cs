using Stagecraft.Storage;

namespace Stagecraft.Local.Storage;

/// <summary>One page of a listing and where the next one starts (null after the last).</summary>
internal sealed record ListPage(IReadOnlyList<ObjectListEntry> Entries, ListCursor? Next);
