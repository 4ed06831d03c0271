namespace Stagecraft.Gcp.Emulation.Compute;

/// <summary>A request as the fake Compute API saw it (recorded in <see cref="FakeComputeServer.Requests"/> and offered to fault rules).</summary>
/// <param name="Sequence">1-based arrival order.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">The path after the API root, e.g. <c>projects/p/zones/z/instances</c>.</param>
/// <param name="Zone">The zone in the path, if any.</param>
/// <param name="RequestId">The <c>requestId</c> query parameter, if any.</param>
public sealed record FakeComputeRequest(long Sequence, string Method, string Path, string? Zone, string? RequestId)
{
    /// <summary>True for <c>instances.insert</c>.</summary>
    public bool IsInsert => Method == "POST" && Path.EndsWith("/instances", StringComparison.Ordinal);
}
