namespace Stagecraft.Local.Storage;

/// <summary>
/// Where a listing page ends, like a Cloud Storage page token: the last key returned, or the last folded prefix
/// (after which every key under that prefix is skipped too).
/// </summary>
internal readonly record struct ListCursor(string Value, bool IsPrefix);
