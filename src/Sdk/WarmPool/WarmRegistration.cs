namespace Stagecraft.WarmPool;

/// <summary>A fresh instance registered under the profile's cap (state <see cref="WarmInstanceState.Launching"/>), whose machine the launcher now creates.</summary>
/// <param name="Instance">The instance as registered.</param>
public sealed record WarmRegistration(WarmInstance Instance);
