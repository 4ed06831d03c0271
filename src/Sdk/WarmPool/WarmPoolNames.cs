using System.Security.Cryptography;

namespace Stagecraft.WarmPool;

/// <summary>The rules for warm-pool profile names and instance ids (both become key segments and machine names).</summary>
public static class WarmPoolNames
{
    /// <summary>The prefix of every generated instance id (also the VM name on Compute Engine).</summary>
    public const string InstancePrefix = "scw-";

    /// <summary>A new instance id: <c>scw-</c> and 20 random lower-case hex digits (a valid VM name, key segment and DNS label).</summary>
    public static string NewInstanceId() => InstancePrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));

    /// <summary>A new claim id: 16 random lower-case hex digits.</summary>
    public static string NewClaimId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>Why <paramref name="profile"/> is not a profile name, or null when it is one.</summary>
    public static string? ExplainProfile(string? profile) =>
        profile is null || profile.Length is 0 or > 63 || profile[0] is not (>= 'a' and <= 'z') || profile[^1] == '-'
        || profile.Any(c => c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            ? "must be 1 to 63 lower-case letters, digits and '-', starting with a letter and not ending with '-'"
            : null;

    /// <summary>Returns <paramref name="profile"/> or throws naming the value and the rule.</summary>
    /// <exception cref="ArgumentException">Not a profile name.</exception>
    public static string ValidateProfile(string profile) =>
        ExplainProfile(profile) is { } rule ? throw new ArgumentException($"Invalid warm-pool profile '{profile}': it {rule}.", nameof(profile)) : profile;

    /// <summary>Returns <paramref name="instanceId"/> or throws naming the value and the rule.</summary>
    /// <exception cref="ArgumentException">Not an instance id (1 to 63 lower-case letters, digits and '-', starting with a letter).</exception>
    public static string ValidateInstanceId(string instanceId) =>
        ExplainProfile(instanceId) is null
            ? instanceId
            : throw new ArgumentException($"Invalid warm-pool instance id '{instanceId}': it must be 1 to 63 lower-case letters, digits and '-', starting with a letter and not ending with '-'.", nameof(instanceId));
}
