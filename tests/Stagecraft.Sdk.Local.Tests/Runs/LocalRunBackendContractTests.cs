using Stagecraft.Local.Processes;
using Stagecraft.Local.Runs;
using Stagecraft.Local.Storage;
using Stagecraft.Runs;
using Stagecraft.Storage;
using Stagecraft.Testing;
using Stagecraft.Testing.Contracts;

namespace Stagecraft.Sdk.Local.Tests.Runs;

/// <summary>The IRunBackend contract, run against <see cref="LocalRunBackend"/>.</summary>
public sealed class LocalRunBackendContractTests : RunBackendContractTests
{
    private readonly TempDirectory _dir = new("local-runs");

    internal static LocalRunBackendOptions Options(string stateDirectory) => new()
    {
        StateDirectory = stateDirectory,
        LogShipInterval = TimeSpan.FromMilliseconds(100),
        StatusPollInterval = TimeSpan.FromMilliseconds(50),
        TerminationGracePeriod = TimeSpan.FromSeconds(1),
    };

    protected override IObjectStorage CreateStorage() => new LocalObjectStorage(_dir.Combine("storage"));

    protected override IRunBackend CreateBackend(IObjectStorage storage) => new LocalRunBackend(storage, Options(_dir.Combine("state")));

    protected override Task<bool?> IsProcessAliveAsync(int pid) => Task.FromResult<bool?>(ProcFs.ReadStat(pid) is { HasExited: false });

    protected override async Task ForceStopAsync(RunHandle handle)
    {
        // The exit-code object was forged by the test, so the backend (rightly) considers the run finished: stop it here.
        var dir = new LocalRunDirectory(Path.GetFullPath(_dir.Combine("state")), handle);
        if (dir.CommandProcess("/usr/bin/setsid") is { } command)
        {
            await new LinuxProcessTable().KillTreeAsync(command, new HashSet<int>(), TimeSpan.Zero);
        }
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _dir.Dispose();
    }
}
