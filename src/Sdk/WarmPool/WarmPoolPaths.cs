using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.WarmPool;

/// <summary>
/// The only builder of warm-pool storage keys. The pool lives beside the runs, never under <see cref="RunPaths.RootPrefix"/>
/// (a job's logs and exit code go to its own <see cref="RunPaths"/>, never to the pool's keys):
/// <code>
/// {root}draining                                 present while the pool is drained (no claims, no registrations)
/// {root}{profile}/index.json                     the profile's instance ids (the cap is enforced on it by compare-and-swap)
/// {root}{profile}/instances/{instanceId}.json    one small document per instance; every transition is a CAS on its generation
/// {root}{profile}/jobs/{runId}                   the job handed to a claimed instance (what it runs, written before the claim is ACKed)
/// </code>
/// </summary>
public sealed class WarmPoolPaths
{
    /// <summary>The default root prefix.</summary>
    public const string DefaultRoot = "warmpool/";

    /// <param name="root">A key prefix ending in <c>/</c>, e.g. <c>warmpool/</c> or <c>team-a/warmpool/</c>.</param>
    /// <exception cref="ArgumentException">The prefix is not a valid folder prefix, or lies under <c>runs/</c>.</exception>
    public WarmPoolPaths(string root = DefaultRoot)
    {
        ObjectKey.ValidatePrefix(root, nameof(root));
        if (!root.EndsWith('/'))
        {
            throw new ArgumentException($"Invalid warm-pool root '{root}': it must end with '/'.", nameof(root));
        }

        if (root.StartsWith(RunPaths.RootPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Invalid warm-pool root '{root}': the '{RunPaths.RootPrefix}' prefix belongs to runs.", nameof(root));
        }

        Root = root;
    }

    /// <summary>The pool's root prefix (ends with <c>/</c>).</summary>
    public string Root { get; }

    /// <summary><c>{root}draining</c>: exists while the pool is drained.</summary>
    public string DrainMarker => Root + "draining";

    /// <summary><c>{root}{profile}/</c></summary>
    public string Profile(string profile) => Root + WarmPoolNames.ValidateProfile(profile) + "/";

    /// <summary><c>{root}{profile}/index.json</c></summary>
    public string Index(string profile) => Profile(profile) + "index.json";

    /// <summary><c>{root}{profile}/instances/{instanceId}.json</c></summary>
    public string Instance(string profile, string instanceId) => Profile(profile) + "instances/" + WarmPoolNames.ValidateInstanceId(instanceId) + ".json";

    /// <summary><c>{root}{profile}/jobs/</c></summary>
    public string JobsPrefix(string profile) => Profile(profile) + "jobs/";

    /// <summary><c>{root}{profile}/jobs/{runId}</c>: the job a claimed instance runs for run <paramref name="runId"/>.</summary>
    public string Job(string profile, string runId) => JobsPrefix(profile) + RunId.Validate(runId);

    /// <summary>The profile named by a key directly under <see cref="Root"/> (<c>{root}{profile}/</c>), or null.</summary>
    public string? ProfileOfPrefix(string prefix)
    {
        if (!prefix.StartsWith(Root, StringComparison.Ordinal) || !prefix.EndsWith('/'))
        {
            return null;
        }

        var name = prefix[Root.Length..^1];
        return WarmPoolNames.ExplainProfile(name) is null ? name : null;
    }

    public override string ToString() => Root;
}
