using System.Runtime.InteropServices;

namespace Stagecraft.Pipelines;

/// <summary>
/// While a run executes: the first SIGINT or SIGTERM cancels the run instead of killing the process, so the run
/// stops its stages and backend runs and records itself cancelled and resumable; a second signal gets the default
/// action and ends the process at once.
/// </summary>
internal sealed class TerminationSignalHandler : IDisposable
{
    private readonly CancellationTokenSource _cancellation;
    private readonly PosixSignalRegistration[] _registrations;
    private int _received;

    public TerminationSignalHandler(CancellationTokenSource cancellation)
    {
        _cancellation = cancellation;
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    /// <summary>The first signal received, if any.</summary>
    public PosixSignal? Signal { get; private set; }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void Handle(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _received) > 1)
        {
            return; // Not cancelled: the default action ends the process.
        }

        context.Cancel = true;
        Signal = context.Signal;
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run ended while the signal was being delivered; there is nothing left to cancel.
        }
    }
}
