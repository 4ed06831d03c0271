using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Stagecraft.Gcp.Bundles;

/// <summary>Where <see cref="AppBundleBuilder"/> finds (or makes) an experiment's self-contained Linux publish output.</summary>
public sealed record AppBundleOptions
{
    /// <summary>
    /// A self-contained <c>linux-x64</c> publish output to bundle as it is. Null (the default): the output the
    /// <c>StagecraftCloudBundle</c> build target left beside the running program
    /// (<c>{AppContext.BaseDirectory}/stagecraft-bundle/linux-x64</c>), else one published on demand from <see cref="ProjectFile"/>.
    /// </summary>
    public string? PublishDirectory { get; init; }

    /// <summary>
    /// The experiment's project file, published on demand when no publish output exists. Null: the path the build
    /// recorded in the entry assembly, else the <c>{name}.csproj</c> found above the running program.
    /// </summary>
    public string? ProjectFile { get; init; }

    /// <summary>The program in the publish output that runs stages (its apphost). Null: the entry assembly's name.</summary>
    public string? EntryPoint { get; init; }

    /// <summary>The build configuration of an on-demand publish. Default: <c>Release</c>.</summary>
    public string Configuration { get; init; } = "Release";

    /// <summary>Where archives are packed and on-demand publishes go. Default: <c>stagecraft/bundles</c> in the system temp directory.</summary>
    public string WorkDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "stagecraft", "bundles");

    /// <summary>The longest an on-demand <c>dotnet publish</c> may take. Default: 15 minutes.</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromMinutes(15);

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
