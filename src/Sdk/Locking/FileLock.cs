using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Stagecraft.IO;

namespace Stagecraft.Locking;

/// <summary>
/// A cross-process exclusive lock named by a file path, released by the kernel when the holder dies
/// (no pid files, no stale-lock heuristics).
/// </summary>
/// <remarks>
/// <para>
/// On Unix this is <c>flock(LOCK_EX)</c> on a lock file opened with <c>open(O_RDWR|O_CREAT|O_CLOEXEC)</c>,
/// one open per acquisition, so it interoperates with Python's <c>fcntl.flock</c> and the
/// <c>flock(1)</c> command on the same file. On Windows it is <c>LockFileEx</c> on byte 0 of the file.
/// </para>
/// <para>
/// Waiting: the uncontended path is one non-blocking <c>flock</c> on the caller's thread. A contended
/// wait blocks in the kernel on a dedicated thread (not the thread pool, no polling), so a waiter runs
/// as soon as the kernel wakes it; cancellation and timeouts return to the caller immediately (see
/// <see cref="KernelLockWait"/> for how an uninterruptible <c>flock</c> is abandoned safely).
/// </para>
/// <para>
/// Within one process, tasks asking for the same path queue on an async gate first and only the gate
/// holder talks to the kernel. (Two descriptors of one process would also exclude each other, since a
/// <c>flock</c> belongs to the open file description, not the process; the gate spares a blocked thread
/// per waiting task. POSIX <c>fcntl</c> record locks would not exclude within a process at all, which is
/// one reason they are not used.)
/// </para>
/// <para>
/// The lock file is never deleted: a process blocked on the old inode would wake up holding a lock on a
/// file nobody else opens any more, and two holders would run at once. Lock files on NFS, SMB/CIFS and
/// other network file systems are refused by default (<see cref="FileLockOptions.NetworkFileSystemPolicy"/>).
/// </para>
/// </remarks>
public static partial class FileLock
{
    /// <summary>Waits, without limit, until the lock on <paramref name="path"/> is held by the caller.</summary>
    /// <param name="path">The lock file; created (with its parent directory) if missing, never deleted.</param>
    /// <param name="cancellationToken">Stops waiting; throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="FileLockException">The kernel refused the lock, or the file is on a network file system.</exception>
    public static Task<FileLockHandle> AcquireAsync(string path, CancellationToken cancellationToken = default) =>
        AcquireAsync(path, FileLockOptions.Default, cancellationToken);

    /// <inheritdoc cref="AcquireAsync(string, CancellationToken)"/>
    /// <param name="path">The lock file; created (with its parent directory) if missing, never deleted.</param>
    /// <param name="options">Network file system policy, clock and logger.</param>
    /// <param name="cancellationToken">Stops waiting; throws <see cref="OperationCanceledException"/>.</param>
    public static async Task<FileLockHandle> AcquireAsync(string path, FileLockOptions options, CancellationToken cancellationToken = default) =>
        (await AcquireCoreAsync(path, options, Timeout.InfiniteTimeSpan, async: true, cancellationToken).ConfigureAwait(false))!;

    /// <summary>Waits up to <paramref name="timeout"/> for the lock; <see langword="null"/> if it stayed taken.</summary>
    /// <param name="path">The lock file; created (with its parent directory) if missing, never deleted.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> tries once, <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Stops waiting; throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="FileLockException">The kernel refused the lock, or the file is on a network file system.</exception>
    public static Task<FileLockHandle?> TryAcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        TryAcquireAsync(path, timeout, FileLockOptions.Default, cancellationToken);

    /// <inheritdoc cref="TryAcquireAsync(string, TimeSpan, CancellationToken)"/>
    /// <param name="path">The lock file; created (with its parent directory) if missing, never deleted.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> tries once, <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="options">Network file system policy, clock and logger.</param>
    /// <param name="cancellationToken">Stops waiting; throws <see cref="OperationCanceledException"/>.</param>
    public static Task<FileLockHandle?> TryAcquireAsync(string path, TimeSpan timeout, FileLockOptions options, CancellationToken cancellationToken = default)
    {
        ValidateTimeout(timeout);
        return AcquireCoreAsync(path, options, timeout, async: true, cancellationToken).AsTask();
    }

    /// <summary>Blocks, without limit, until the lock on <paramref name="path"/> is held by the caller.</summary>
    /// <param name="path">The lock file; created (with its parent directory) if missing, never deleted.</param>
    /// <param name="cancellationToken">Stops waiting; throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="FileLockException">The kernel refused the lock, or the file is on a network file system.</exception>
    public static FileLockHandle Acquire(string path, CancellationToken cancellationToken = default) =>
        Acquire(path, FileLockOptions.Default, cancellationToken);

    /// <inheritdoc cref="Acquire(string, CancellationToken)"/>
    /// <param name="path">The lock file; created (with its parent directory) if missing, never deleted.</param>
    /// <param name="options">Network file system policy, clock and logger.</param>
    /// <param name="cancellationToken">Stops waiting; throws <see cref="OperationCanceledException"/>.</param>
    public static FileLockHandle Acquire(string path, FileLockOptions options, CancellationToken cancellationToken = default) =>
        AcquireCoreAsync(path, options, Timeout.InfiniteTimeSpan, async: false, cancellationToken).EnsureCompleted()!;

    /// <summary>Blocks up to <paramref name="timeout"/> for the lock; <see langword="null"/> if it stayed taken.</summary>
    /// <param name="path">The lock file; created (with its parent directory) if missing, never deleted.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> tries once, <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Stops waiting; throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="FileLockException">The kernel refused the lock, or the file is on a network file system.</exception>
    public static FileLockHandle? TryAcquire(string path, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        TryAcquire(path, timeout, FileLockOptions.Default, cancellationToken);

    /// <inheritdoc cref="TryAcquire(string, TimeSpan, CancellationToken)"/>
    /// <param name="path">The lock file; created (with its parent directory) if missing, never deleted.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> tries once, <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="options">Network file system policy, clock and logger.</param>
    /// <param name="cancellationToken">Stops waiting; throws <see cref="OperationCanceledException"/>.</param>
    public static FileLockHandle? TryAcquire(string path, TimeSpan timeout, FileLockOptions options, CancellationToken cancellationToken = default)
    {
        ValidateTimeout(timeout);
        return AcquireCoreAsync(path, options, timeout, async: false, cancellationToken).EnsureCompleted();
    }

    /// <summary>
    /// The one acquisition path. With <paramref name="async"/> <see langword="false"/> it blocks the calling thread
    /// and completes synchronously (the blocking entry points finish it with <c>EnsureCompleted</c>).
    /// </summary>
    private static async ValueTask<FileLockHandle?> AcquireCoreAsync(string path, FileLockOptions options, TimeSpan timeout, bool async, CancellationToken cancellationToken)
    {
        var key = Enter(path, options, cancellationToken);
        var gateHeld = false;
        var handed = false;
        WaitBudget? budget = null;
        try
        {
            gateHeld = key.Gate.Wait(0);
            if (!gateHeld && timeout == TimeSpan.Zero)
            {
                return null;
            }

            if (!gateHeld)
            {
                budget = new WaitBudget(timeout, options.TimeProvider, cancellationToken);
                try
                {
                    if (async)
                    {
                        await key.Gate.WaitAsync(budget.Token).ConfigureAwait(false);
                    }
                    else
                    {
                        key.Gate.Wait(budget.Token);
                    }

                    gateHeld = true;
                }
                catch (OperationCanceledException) when (budget.TimedOut)
                {
                    return null;
                }
            }

            // A synchronous caller that can neither time out nor cancel is itself the dedicated waiting thread.
            var mode = timeout == TimeSpan.Zero ? WaitMode.None
                : !async && timeout == Timeout.InfiniteTimeSpan && !cancellationToken.CanBeCanceled ? WaitMode.CallerThread
                : WaitMode.DedicatedThread;
            var attempt = StartOrAdopt(key, options, mode);
            if (attempt.Handle is { } fast)
            {
                handed = true;
                return fast;
            }

            if (attempt.Wait is null)
            {
                return null;
            }

            var wait = attempt.Wait!;
            budget ??= new WaitBudget(timeout, options.TimeProvider, cancellationToken);
            try
            {
                await wait.Granted.WaitAsync(budget.Token).AwaitOrBlock(async).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (budget.Token.IsCancellationRequested)
            {
                if (wait.TryPark())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    return null;
                }

                // The kernel answered while we were giving up: take the answer.
                await wait.Granted.AwaitOrBlock(async).ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested)
                {
                    LockFilePrimitives.Unlock(wait.File);
                    wait.File.Dispose();
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }

            handed = true;
            return new FileLockHandle(key, wait.File);
        }
        finally
        {
            budget?.Dispose();
            Leave(key, gateHeld, handed);
        }
    }

    private static LockKey Enter(string path, FileLockOptions options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        return LockKeyRegistry.Rent(Path.GetFullPath(path));
    }

    private static void Leave(LockKey key, bool gateHeld, bool handed)
    {
        if (handed)
        {
            return; // the handle releases both on dispose
        }

        if (gateHeld)
        {
            key.Gate.Release();
        }

        LockKeyRegistry.Return(key);
    }

    /// <summary>
    /// As the gate holder: adopt a parked kernel wait, or open the file and try once without blocking, then
    /// wait as <paramref name="mode"/> says. Neither result set means "taken, not waiting".
    /// </summary>
    private static (FileLockHandle? Handle, KernelLockWait? Wait) StartOrAdopt(LockKey key, FileLockOptions options, WaitMode mode)
    {
        if (mode != WaitMode.None && KernelLockWait.TryAdopt(key) is { } parked)
        {
            return (null, parked);
        }

        var file = LockFilePrimitives.Open(key.Path);
        try
        {
            CheckFileSystem(file, key.Path, options);
            if (LockFilePrimitives.TryLock(file, key.Path))
            {
                return (new FileLockHandle(key, file), null);
            }

            switch (mode)
            {
                case WaitMode.None:
                    file.Dispose();
                    return (null, null);
                case WaitMode.CallerThread:
                    LockFilePrimitives.Lock(file, key.Path);
                    return (new FileLockHandle(key, file), null);
                default:
                    return (null, KernelLockWait.Start(key, file));
            }
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static void CheckFileSystem(SafeHandle file, string path, FileLockOptions options)
    {
        if (options.NetworkFileSystemPolicy == NetworkFileSystemPolicy.Allow || NetworkFileSystems.Detect(file, path) is not { } fileSystem)
        {
            return;
        }

        if (options.NetworkFileSystemPolicy == NetworkFileSystemPolicy.Refuse)
        {
            throw new FileLockException(
                $"Lock file '{path}' is on a network file system ({fileSystem}); flock there may not exclude processes on other machines. " +
                "Put lock files on a local disk, or set FileLockOptions.NetworkFileSystemPolicy to Warn or Allow.",
                path,
                fileSystemName: fileSystem);
        }

        LogNetworkFileSystem(options.LoggerFactory.CreateLogger(typeof(FileLock).FullName!), path, fileSystem);
    }

    private static void ValidateTimeout(TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be zero or positive, or Timeout.InfiniteTimeSpan.");
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Lock file {LockPath} is on a network file system ({FileSystem}); exclusion across machines is not guaranteed.")]
    private static partial void LogNetworkFileSystem(ILogger logger, string lockPath, string fileSystem);

    private enum WaitMode
    {
        /// <summary>Try once (zero timeout).</summary>
        None,

        /// <summary>Block in the kernel on the calling thread (synchronous, no timeout, no cancellation).</summary>
        CallerThread,

        /// <summary>Block in the kernel on a dedicated thread the caller can stop waiting for.</summary>
        DedicatedThread,
    }

    /// <summary>The caller's token plus an optional timeout on the caller's clock, created only once a wait is needed.</summary>
    private sealed class WaitBudget : IDisposable
    {
        private readonly CancellationTokenSource? _timeout;
        private readonly CancellationTokenSource? _linked;

        public WaitBudget(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
        {
            if (timeout == Timeout.InfiniteTimeSpan)
            {
                Token = cancellationToken;
                return;
            }

            _timeout = new CancellationTokenSource(timeout, timeProvider);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timeout.Token);
            Token = _linked.Token;
            CallerToken = cancellationToken;
        }

        public CancellationToken Token { get; }

        private CancellationToken CallerToken { get; }

        /// <summary>The timeout fired and the caller did not cancel.</summary>
        public bool TimedOut => _timeout is { IsCancellationRequested: true } && !CallerToken.IsCancellationRequested;

        public void Dispose()
        {
            _linked?.Dispose();
            _timeout?.Dispose();
        }
    }
}
