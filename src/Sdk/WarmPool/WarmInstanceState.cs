using System.Text.Json.Serialization;

namespace Stagecraft.WarmPool;

/// <summary>
/// Where a pool instance is in its life. The allowed moves between states are <see cref="WarmInstanceTransitions"/>
/// (the table in <c>docs/warm-pool.md</c>). Stored as the lower-case word, which shell scripts on a VM also write.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<WarmInstanceState>))]
public enum WarmInstanceState
{
    /// <summary>Registered under the cap; the machine is being created for its first job.</summary>
    [JsonStringEnumMemberName("launching")]
    Launching,

    /// <summary>Running a job (its first, or one it ACKed). Never reaped while the machine exists.</summary>
    [JsonStringEnumMemberName("running")]
    Running,

    /// <summary>Its job ended; it waits for a claim until its idle timeout.</summary>
    [JsonStringEnumMemberName("idle")]
    Idle,

    /// <summary>A launch won it (CAS idle → claimed) and wrote a job; the instance must ACK within the ACK timeout.</summary>
    [JsonStringEnumMemberName("claimed")]
    Claimed,

    /// <summary>Being deleted (idle timeout, reaper, cleanup); nothing claims it any more.</summary>
    [JsonStringEnumMemberName("deleting")]
    Deleting,
}
