namespace Stagecraft.Sdk.Tests.References;

/// <summary>Timeouts for the reference store's multi-process tests.</summary>
internal static class ReferenceProcessTestSettings
{
    /// <summary>Generous: the machine is shared and heavily loaded; tests synchronise on lines and files, never on sleeps.</summary>
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(180);
}
