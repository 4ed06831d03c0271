namespace Stagecraft.WarmPool;

/// <summary>A launch's claim on an idle instance (CAS idle → claimed). Wait for the instance's ACK with <see cref="WarmPool.WaitForAckAsync"/>.</summary>
/// <param name="Instance">The instance as the claim left it (state <see cref="WarmInstanceState.Claimed"/>).</param>
/// <param name="ClaimId">This claim's id: only this claim can be ACKed or released with it.</param>
public sealed record WarmClaim(WarmInstance Instance, string ClaimId);
