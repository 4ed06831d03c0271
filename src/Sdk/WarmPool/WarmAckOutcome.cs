namespace Stagecraft.WarmPool;

/// <summary>How a claim ended.</summary>
public enum WarmAckOutcome
{
    /// <summary>The instance ACKed the claim (claimed → running): it runs the job.</summary>
    Acked,

    /// <summary>No ACK within the ACK timeout: the claim was released (claimed → idle) and the job must run elsewhere. A late ACK cannot win any more.</summary>
    Released,

    /// <summary>The instance's document disappeared or moved on without this claim (reaped, cleaned up): run the job elsewhere.</summary>
    Lost,
}
