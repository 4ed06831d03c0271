using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.Gcp.Auth;
using Stagecraft.Gcp.Bundles;
using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Storage;
using Stagecraft.InFlight;

namespace Stagecraft.Gcp.Pipelines;

/// <summary>Configuration of <see cref="GcpPipelineRunner"/>: where VMs run, which bucket holds everything, and where the code comes from.</summary>
public sealed record GcpPipelineOptions
{
    /// <summary>Project, zones, bucket and the profiles stages may name; every profile in <see cref="GceRunBackendOptions.Profiles"/> is placed on Compute Engine.</summary>
    public required GceRunBackendOptions Compute { get; init; }

    /// <summary>The storage of outputs, cache and records. Null: the bucket of <see cref="Compute"/>, with its credential.</summary>
    public GcsStorageOptions? Storage { get; init; }

    /// <summary>
    /// Whether stages that name no <see cref="Stagecraft.Pipelines.StageAttribute.Profile"/> run on Compute Engine too, on
    /// <see cref="GceRunBackendOptions.DefaultProfile"/>. Default: false (they run in the coordinator's process).
    /// </summary>
    public bool PlaceStagesWithoutProfile { get; init; }

    /// <summary>Where the experiment's publish output comes from.</summary>
    public AppBundleOptions Bundle { get; init; } = new();

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>
    /// This machine's state for the project: the in-flight registry (<c>inflight.json</c>) where the coordinator records
    /// every VM it launches before the insert and clears it when the VM is gone, so the next runner start here deletes
    /// the VMs of a coordinator that crashed or was killed. Null: <see cref="DefaultStateDirectory"/> of the project.
    /// </summary>
    public string? StateDirectory { get; init; }

    /// <summary>
    /// How the in-flight registry identifies the coordinator process and tells whether it still lives. Null: the
    /// operating system's (<see cref="Stagecraft.Local.Processes.LinuxProcessTable"/> on Linux; elsewhere no registry is kept).
    /// </summary>
    public IProcessTable? ProcessTable { get; init; }

    /// <summary>The state directory in effect: <see cref="StateDirectory"/>, or <see cref="DefaultStateDirectory"/> of <see cref="Compute"/>'s project.</summary>
    public string EffectiveStateDirectory => StateDirectory ?? DefaultStateDirectory(Compute.Project);

    /// <summary>
    /// Per user and project: <c>$XDG_STATE_HOME/stagecraft/gcp/{project}</c> (<c>~/.local/state/…</c> when
    /// <c>XDG_STATE_HOME</c> is unset). Per user because the registry holds this user's coordinators; per project
    /// because VMs are found and deleted in their project.
    /// </summary>
    public static string DefaultStateDirectory(string project)
    {
        ArgumentException.ThrowIfNullOrEmpty(project);
        var stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg && Path.IsPathFullyQualified(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(stateHome, "stagecraft", "gcp", project);
    }

    /// <summary>The storage options in effect: <see cref="Storage"/>, or the bucket and credential of <see cref="Compute"/>.</summary>
    public GcsStorageOptions EffectiveStorage => Storage ?? new GcsStorageOptions
    {
        Bucket = Compute.Bucket,
        Credential = Compute.Credential,
        LoggerFactory = LoggerFactory,
    };

    /// <summary>
    /// Reads <see cref="GcpEnvironmentVariables"/>; returns null when <see cref="GcpEnvironmentVariables.Bucket"/> is unset
    /// (the program is not configured for Google Cloud). On a VM started by the Compute Engine backend, storage is reached
    /// exactly as its startup script reaches it: the VM's service account, at <c>STORAGE_EMULATOR_HOST</c> when set.
    /// </summary>
    /// <param name="getVariable">Reads a variable (default: the process environment).</param>
    /// <exception cref="ArgumentException">The bucket is set but the project or zones are not, or a value is malformed.</exception>
    public static GcpPipelineOptions? FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        if (Value(getVariable, GcpEnvironmentVariables.Bucket) is not { } bucket)
        {
            return null;
        }

        var project = Value(getVariable, GcpEnvironmentVariables.Project)
            ?? throw new ArgumentException($"{GcpEnvironmentVariables.Bucket} is set but {GcpEnvironmentVariables.Project} is not: both are needed to run on Google Cloud.", nameof(getVariable));
        var zones = (Value(getVariable, GcpEnvironmentVariables.Zones) ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (zones.Length == 0)
        {
            throw new ArgumentException($"{GcpEnvironmentVariables.Zones} must list at least one zone (comma-separated, in fallback order).", nameof(getVariable));
        }

        var credentials = Value(getVariable, GcpEnvironmentVariables.Credentials);
        var onVm = credentials switch
        {
            null => false,
            GcpEnvironmentVariables.MetadataServerCredential => true,
            _ => throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{GcpEnvironmentVariables.Credentials}='{credentials}' is not understood: leave it unset for application default credentials, or set '{GcpEnvironmentVariables.MetadataServerCredential}'."), nameof(getVariable)),
        };
        var credential = onVm
            ? GcpCredentials.ComputeEngine()
            : Value(getVariable, GcpEnvironmentVariables.AccessToken) is { } token ? GcpCredentials.FromAccessToken(token) : null;
        var storageEndpoint = Endpoint(getVariable, GcpEnvironmentVariables.StorageEndpoint);
        var compute = new GceRunBackendOptions { Project = project, Zones = zones, Bucket = bucket, Credential = credential };
        if (Endpoint(getVariable, GcpEnvironmentVariables.ComputeEndpoint) is { } computeEndpoint)
        {
            compute = compute with { ComputeEndpoint = computeEndpoint };
        }

        if (onVm && Value(getVariable, "STORAGE_EMULATOR_HOST") is { } emulator)
        {
            // The startup script sends the VM's token to STORAGE_EMULATOR_HOST; the worker does the same, so both reach one store.
            storageEndpoint = new Uri(emulator.Contains("://", StringComparison.Ordinal) ? emulator : "http://" + emulator);
        }

        return new GcpPipelineOptions
        {
            Compute = compute,
            StateDirectory = Value(getVariable, GcpEnvironmentVariables.StateDirectory),
            Storage = new GcsStorageOptions { Bucket = bucket, Credential = credential, Endpoint = storageEndpoint },
        };
    }

    private static string? Value(Func<string, string?> getVariable, string name) =>
        getVariable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static Uri? Endpoint(Func<string, string?> getVariable, string name) =>
        Value(getVariable, name) is not { } text
            ? null
            : Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : throw new ArgumentException($"{name}='{text}' is not an absolute http(s) URL.", nameof(getVariable));
}
