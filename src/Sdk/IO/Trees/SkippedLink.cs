namespace Stagecraft.IO;

/// <summary>A symbolic link the walk did not follow.</summary>
/// <param name="RelativePath">The link's path below the root, <c>/</c>-separated.</param>
/// <param name="Reason">Why it was not followed.</param>
/// <param name="Target">What the link points to, as written in the link.</param>
public sealed record SkippedLink(string RelativePath, SkippedLinkReason Reason, string? Target)
{
    /// <summary>A sentence for reports and logs.</summary>
    public string Description => Reason switch
    {
        SkippedLinkReason.Dangling => $"'{RelativePath}' is a symbolic link to '{Target}', which does not exist",
        SkippedLinkReason.OutsideRoot => $"'{RelativePath}' is a symbolic link to '{Target}', outside the directory; it is not followed",
        _ => $"'{RelativePath}' is a symbolic link to '{Target}', a directory that contains it; following it would loop",
    };
}
