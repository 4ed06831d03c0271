using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Logging;
using Stagecraft.Gcp.Compute;
using Stagecraft.Locking;
using Stagecraft.Storage;

namespace Stagecraft.Gcp.Bundles;

/// <summary>
/// Ships an experiment's code to the bucket: finds its self-contained <c>linux-x64</c> publish output (or publishes it),
/// packs it reproducibly (<see cref="AppBundlePacker"/>) and uploads it under its content hash unless it is already
/// there (<see cref="AppBundleUploader"/>). The result is the <see cref="AppBundle"/> a <see cref="GceRunBackend"/>
/// downloads on every VM, with the program that runs stages as its <see cref="AppBundle.EntryPoint"/>.
/// </summary>
public static class AppBundleBuilder
{
    /// <summary>The runtime every bundle targets (Compute Engine's Debian images on x86-64).</summary>
    public const string RuntimeIdentifier = "linux-x64";

    /// <summary>The folder beside the program where the <c>StagecraftCloudBundle</c> build target leaves the publish output (then <see cref="RuntimeIdentifier"/>).</summary>
    public const string BuildOutputFolder = "stagecraft-bundle";

    /// <summary>Builds, packs and uploads the running experiment's bundle (see the type's remarks for where the code comes from).</summary>
    /// <exception cref="AppBundleException">No publish output exists and none could be made, or it lacks <see cref="AppBundleOptions.EntryPoint"/>.</exception>
    public static async Task<AppBundle> BuildAndUploadAsync(IObjectStorage storage, AppBundleOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        var logger = options.LoggerFactory.CreateLogger(typeof(AppBundleBuilder));
        var entryPoint = options.EntryPoint ?? Assembly.GetEntryAssembly()?.GetName().Name
            ?? throw new AppBundleException("The entry assembly is unknown; set AppBundleOptions.EntryPoint to the program in the publish output that runs stages.");
        var directory = await ResolvePublishDirectoryAsync(options, entryPoint, logger, cancellationToken).ConfigureAwait(false);
        if (!File.Exists(Path.Combine(directory, entryPoint)))
        {
            throw new AppBundleException($"The publish output '{directory}' has no program '{entryPoint}': it must be a self-contained {RuntimeIdentifier} publish (dotnet publish -r {RuntimeIdentifier} --self-contained) of the experiment.");
        }

        Directory.CreateDirectory(options.WorkDirectory);
        var archive = Path.Combine(options.WorkDirectory, string.Create(CultureInfo.InvariantCulture, $"pack-{Environment.ProcessId}-{Guid.NewGuid():N}.tar.gz"));
        try
        {
            var started = Stopwatch.GetTimestamp();
            var sha256 = await AppBundlePacker.PackToFileAsync(directory, archive, cancellationToken).ConfigureAwait(false);
            var size = new FileInfo(archive).Length;
            var uploaded = await AppBundleUploader.UploadAsync(storage, archive, sha256, cancellationToken).ConfigureAwait(false);
            logger.LogInformation(
                "App bundle {Sha256} ({Size} bytes, from {Directory}) {Action} in {Elapsed}.",
                sha256,
                size,
                directory,
                uploaded ? "packed and uploaded" : "packed; already in storage",
                Stopwatch.GetElapsedTime(started));
            return AppBundle.ForDigest(sha256) with { EntryPoint = entryPoint };
        }
        finally
        {
            File.Delete(archive);
        }
    }

    /// <summary>
    /// The publish output to bundle: <see cref="AppBundleOptions.PublishDirectory"/>, else the build target's output
    /// beside the program unless it is older than the program, else a fresh <c>dotnet publish</c> of the project.
    /// </summary>
    private static async Task<string> ResolvePublishDirectoryAsync(AppBundleOptions options, string entryPoint, ILogger logger, CancellationToken cancellationToken)
    {
        if (options.PublishDirectory is { } explicitDirectory)
        {
            return Directory.Exists(explicitDirectory)
                ? Path.GetFullPath(explicitDirectory)
                : throw new AppBundleException($"AppBundleOptions.PublishDirectory '{explicitDirectory}' does not exist.");
        }

        var built = Path.Combine(AppContext.BaseDirectory, BuildOutputFolder, RuntimeIdentifier);
        if (File.Exists(Path.Combine(built, entryPoint)))
        {
            // A build without the target after one with it leaves an older bundle beside a newer program: shipping it
            // would only have every worker refuse its stages (their code hashes differ), so publish afresh instead.
            var bundled = new FileInfo(Path.Combine(built, entryPoint + ".dll"));
            var program = new FileInfo(Path.Combine(AppContext.BaseDirectory, entryPoint + ".dll"));
            if (!bundled.Exists || !program.Exists || bundled.LastWriteTimeUtc >= program.LastWriteTimeUtc)
            {
                return built;
            }

            logger.LogWarning("The bundle output {Directory} is older than the program {Program}; it was built without StagecraftCloudBundle since. Publishing afresh.", built, program.FullName);
        }

        var project = options.ProjectFile ?? FindProjectFile(entryPoint)
            ?? throw new AppBundleException($"No publish output at '{built}' and no project file '{entryPoint}.csproj' above '{AppContext.BaseDirectory}': build with -p:StagecraftCloudBundle=true, or set AppBundleOptions.PublishDirectory or ProjectFile.");
        var output = Path.Combine(options.WorkDirectory, "publish", entryPoint);
        logger.LogInformation("No bundle output beside the program; publishing {Project} for {Runtime} (self-contained) to {Output}.", project, RuntimeIdentifier, output);

        // One publish at a time into the shared output: two coordinators publishing at once would overwrite each other's files.
        using var publishLock = await FileLock.AcquireAsync(output + ".lock", cancellationToken).ConfigureAwait(false);
        await PublishAsync(project, output, options, cancellationToken).ConfigureAwait(false);
        return output;
    }

    /// <summary>The <c>{entryPoint}.csproj</c> in the program's directory or one of its five parents (<c>bin/{configuration}/{framework}</c> sits three below the project).</summary>
    private static string? FindProjectFile(string entryPoint)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null && directory.FullName.Length > 1; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, entryPoint + ".csproj");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static async Task PublishAsync(string project, string output, AppBundleOptions options, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["publish", project, "-c", options.Configuration, "-r", RuntimeIdentifier, "--self-contained", "true", "-o", output, "-p:StagecraftCloudBundle=false", "-nologo"])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new AppBundleException($"Could not start '{info.FileName}' to publish '{project}'.");
        var log = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, log);
        var stderr = PumpAsync(process.StandardError, log);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.PublishTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new AppBundleException($"Publishing '{project}' for {RuntimeIdentifier} took longer than {options.PublishTimeout} and was stopped.");
        }

        await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new AppBundleException($"Publishing '{project}' for {RuntimeIdentifier} failed with exit code {process.ExitCode}:{Environment.NewLine}{Tail(log)}");
        }
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder log)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    private static string Tail(StringBuilder log)
    {
        lock (log)
        {
            var text = log.ToString();
            return text.Length <= 4000 ? text : text[^4000..];
        }
    }
}
