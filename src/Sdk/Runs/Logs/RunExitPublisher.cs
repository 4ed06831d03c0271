using System.Text;
using Stagecraft.Storage;

namespace Stagecraft.Runs.Logs;

/// <summary>
/// Writes and reads a run's exit-code object (<see cref="RunPaths.ExitCode"/>, <see cref="RunExitRecord"/> format). It is
/// written once, create-only: of several publishers (the run's supervisor, a terminate call, a status check that found
/// the run ended) exactly one wins and the rest get the winner's record, so a run's recorded end never changes.
/// </summary>
/// <remarks>Publish only after the run's last log chunk is stored: readers take the exit code to mean "the logs are complete".</remarks>
public static class RunExitPublisher
{
    /// <summary>Stores <paramref name="exit"/> unless an exit code is already stored; returns the stored one either way.</summary>
    public static async Task<RunExitRecord> PublishAsync(IObjectStorage storage, RunPaths paths, RunExitRecord exit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(exit);
        try
        {
            using var content = new MemoryStream(Encoding.ASCII.GetBytes(exit.Format()), writable: false);
            await storage.PutAsync(paths.ExitCode, content, new PutObjectOptions { IfGenerationMatch = 0, ContentType = "text/plain" }, cancellationToken).ConfigureAwait(false);
            return exit;
        }
        catch (PreconditionFailedException)
        {
            return await ReadAsync(storage, paths, cancellationToken).ConfigureAwait(false) ?? exit;
        }
    }

    /// <summary>The stored exit code, or null while the run has none.</summary>
    /// <exception cref="RunBackendException">The object exists but is not an exit-code record.</exception>
    public static async Task<RunExitRecord?> ReadAsync(IObjectStorage storage, RunPaths paths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(paths);
        string text;
        try
        {
            var read = await storage.GetAsync(paths.ExitCode, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (read.ConfigureAwait(false))
            {
                // A record is a few bytes; reading a bounded prefix keeps a foreign giant object from being loaded.
                var buffer = new byte[RunExitRecord.MaxEncodedLength + 1];
                var length = await read.Content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                text = Encoding.UTF8.GetString(buffer, 0, length);
            }
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }

        return RunExitRecord.TryParse(text, out var record)
            ? record
            : throw new RunBackendException($"The exit-code object '{paths.ExitCode}' of run '{paths.RunId}' is not an exit-code record: '{text.Trim()}' (expected '<code> <exited|terminated|timeout>').");
    }
}
