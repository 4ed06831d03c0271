using System.Text;
using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Emulation.Compute;
using Stagecraft.Gcp.Storage;
using Stagecraft.Runs;

namespace Stagecraft.Sdk.Gcp.Tests.Compute;

/// <summary>
/// The start of every test of <see cref="GceRunBackend"/> on the emulation bed: a fresh <see cref="GceTestBed"/> per
/// test (fake Cloud Storage, fake Compute whose VMs run the generated scripts), a storage client on its bucket, a
/// backend with the bed's default options, and the waits these tests share. A test states only what differs: the
/// options of its own backend (<see cref="CreateBackend"/>), the faults it injects, the run it launches.
/// </summary>
public abstract class GceBackendTestBase : IAsyncLifetime
{
    private readonly List<GceRunBackend> _backends = [];
    private GceRunBackend? _backend;

    /// <summary>The fakes of this test.</summary>
    protected GceTestBed Bed { get; private set; } = null!;

    /// <summary>The fake Compute API of <see cref="Bed"/>.</summary>
    protected FakeComputeServer Compute => Bed.Compute;

    /// <summary>A storage client on the bed's bucket, as a coordinator would have.</summary>
    protected GcsObjectStorage Storage { get; private set; } = null!;

    /// <summary>A backend with the bed's default options (<see cref="GceTestBed.Options"/>), created on first use.</summary>
    protected GceRunBackend Backend => _backend ??= CreateBackend(Bed.Options());

    public async Task InitializeAsync()
    {
        Bed = await GceTestBed.StartAsync();
        Storage = Bed.CreateStorage();
    }

    public async Task DisposeAsync()
    {
        foreach (var backend in _backends)
        {
            backend.Dispose();
        }

        Storage.Dispose();
        await Bed.DisposeAsync();
    }

    /// <summary>A backend on <see cref="Storage"/> with <paramref name="options"/> (<c>Bed.Options() with { … }</c>), disposed after the test.</summary>
    protected GceRunBackend CreateBackend(GceRunBackendOptions options)
    {
        var backend = Bed.CreateBackend(Storage, options);
        _backends.Add(backend);
        return backend;
    }

    /// <summary>The fake VM a run was placed on; <see langword="null"/> once it is deleted.</summary>
    protected FakeInstance? InstanceOf(RunHandle handle) => Bed.Compute.GetInstance(handle.Properties["zone"], handle.Properties["instance"]);

    /// <summary>Generous: the fake's VMs are real processes on a loaded machine.</summary>
    protected static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    protected static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = Timeout();
        while (!await condition())
        {
            await Task.Delay(50, deadline);
        }
    }

    protected static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    /// <summary>Waits until the run (of <see cref="Backend"/>) printed <paramref name="line"/> on stdout: its command is then running.</summary>
    protected async Task WaitForLineAsync(RunHandle handle, string line)
    {
        await foreach (var l in Backend.StreamLogsAsync(handle, LogStream.Stdout, follow: true, Timeout()))
        {
            if (l == line)
            {
                return;
            }
        }

        throw new InvalidOperationException($"The run ended without printing '{line}'.");
    }

    /// <summary>The run's stdout as stored, one <c>\n</c> after each line.</summary>
    protected static async Task<string> ReadLogAsync(GceRunBackend backend, RunHandle handle)
    {
        var text = new StringBuilder();
        await foreach (var line in backend.StreamLogsAsync(handle, LogStream.Stdout))
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }
}
