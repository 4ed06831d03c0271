using System.Text;
using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Emulation.Storage;
using Stagecraft.Gcp.Emulation.Vms;
using Stagecraft.Runs;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Gcp.Tests.Compute;

/// <summary>A fake GCS plus emulated VMs that run generated startup scripts against it.</summary>
public sealed class ScriptTestBed : IAsyncDisposable
{
    public const string Token = "vm-token";
    public const string Bucket = "test-bucket";

    private readonly List<EmulatedVm> _vms = [];

    private ScriptTestBed(FakeGcsServer server) => Server = server;

    public FakeGcsServer Server { get; }

    public TempDirectory Sandbox { get; } = new("gce-script");

    public static TimeSpan Generous => TimeSpan.FromSeconds(90);

    public static async Task<ScriptTestBed> StartAsync() =>
        new(await FakeGcsServer.StartAsync(new FakeGcsOptions { Buckets = [Bucket], RequiredBearerToken = Token }));

    internal static StartupScriptBuilder Builder(RunSpec spec, AppBundle? bundle = null) => new(spec, Bucket)
    {
        Bundle = bundle,
        LogShipInterval = TimeSpan.FromMilliseconds(200),
        TerminationGracePeriod = TimeSpan.FromSeconds(1),
    };

    /// <summary>Starts a VM on <paramref name="vmDirectory"/> (a subdirectory of the sandbox; reuse it to model a reused VM).</summary>
    public async Task<EmulatedVm> StartVmAsync(string script, string vmDirectory = "vm")
    {
        var dir = Sandbox.Combine(vmDirectory, Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var vm = await EmulatedVm.StartAsync(script, dir, Server.Endpoint, "vm-" + vmDirectory, "zone-a", "test-project", Token);
        _vms.Add(vm);
        return vm;
    }

    /// <summary>Runs <paramref name="script"/> on a fresh VM to completion and returns the VM.</summary>
    public async Task<EmulatedVm> RunToCompletionAsync(string script, string vmDirectory = "vm")
    {
        var vm = await StartVmAsync(script, vmDirectory);
        var code = await vm.Exited.WaitAsync(Generous);
        Assert.True(code == 0, $"startup script exited with {code}:\n{vm.ConsoleOutput}");
        return vm;
    }

    public byte[] Chunks(RunPaths paths, LogStream stream)
    {
        var prefix = paths.LogChunkPrefix(stream);
        var objects = Server.GetObjects(Bucket).Where(o => o.Name.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        for (var i = 0; i < objects.Count; i++)
        {
            Assert.Equal(paths.LogChunk(stream, i), objects[i].Name);
        }

        return [.. objects.SelectMany(o => o.Data)];
    }

    public string Text(RunPaths paths, LogStream stream) => Encoding.UTF8.GetString(Chunks(paths, stream));

    public RunExitRecord? ExitRecord(RunPaths paths) =>
        Server.GetObject(Bucket, paths.ExitCode) is { } o ? RunExitRecord.Parse(Encoding.UTF8.GetString(o.Data)) : null;

    public async ValueTask DisposeAsync()
    {
        foreach (var vm in _vms)
        {
            await vm.DisposeAsync();
        }

        await Server.DisposeAsync();
        Sandbox.Dispose();
    }
}
