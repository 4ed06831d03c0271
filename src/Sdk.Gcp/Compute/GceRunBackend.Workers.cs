using Stagecraft.Gcp.Pipelines;
using Stagecraft.Pipelines;

namespace Stagecraft.Gcp.Compute;

/// <summary>How pipeline workers start on this backend's VMs.</summary>
public sealed partial class GceRunBackend : IPipelineWorkerHost
{
    /// <summary>
    /// With a bundle that names its <see cref="AppBundle.EntryPoint"/>: <c>./{EntryPoint}</c>, started in the extracted
    /// bundle, with the <see cref="GcpEnvironmentVariables"/> that make the worker open this backend's bucket through the
    /// VM's service account. Null otherwise (the runner's own worker command is used).
    /// </summary>
    public PipelineWorkerCommand? WorkerCommand => _options.Bundle?.EntryPoint is { } entryPoint
        ? new PipelineWorkerCommand(
            "./" + entryPoint,
            environment: new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [GcpEnvironmentVariables.Project] = _options.Project,
                [GcpEnvironmentVariables.Zones] = string.Join(',', _options.Zones),
                [GcpEnvironmentVariables.Bucket] = _options.Bucket,
                [GcpEnvironmentVariables.Credentials] = GcpEnvironmentVariables.MetadataServerCredential,
                [GcpEnvironmentVariables.StorageEndpoint] = _options.VmStorageEndpoint.AbsoluteUri,
            })
        : null;
}
