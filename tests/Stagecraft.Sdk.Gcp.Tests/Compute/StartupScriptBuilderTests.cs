using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Emulation.Faults;
using Stagecraft.Gcp.Emulation.Storage;
using Stagecraft.Runs;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Gcp.Tests.Compute;

/// <summary>
/// The generated startup script, executed for real by bash against the fake GCS and a fake metadata server.
/// Regression tests for the seed's GCE bugs: shell injection through env keys, a second job writing to the first job's
/// paths, a <c>runs/runs/</c> prefix, exit codes read from a stale path, killing an empty pid.
/// </summary>
public sealed class StartupScriptBuilderTests : IAsyncLifetime
{
    private static readonly string[] NastyValues =
    [
        "it's",
        "\"double\" quotes",
        "$(touch pwned-dollar)",
        "`touch pwned-backtick`",
        "line one\nline two\n",
        "  leading and trailing spaces  ",
        "unicode: héllo wörld ✓ 日本語 🚀",
        "back\\slash \\n not a newline",
        "carriage\rreturn",
        "semi; touch pwned-semi; echo",
        "$HOME ${PATH} $1 $@ $$",
        "*  ? [a-z] ~",
        "-e --flag",
        "'; touch pwned-quote; '",
        string.Empty,
    ];

    private ScriptTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await ScriptTestBed.StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Environment_values_and_arguments_full_of_shell_metacharacters_reach_the_process_byte_for_byte()
    {
        var env = NastyValues.Select((v, i) => (Key: $"NASTY_{i}", Value: v)).ToDictionary(p => p.Key, p => p.Value);
        var spec = new RunSpec("meta-chars", "/bin/bash", ["-c", "env -0; printf '%s\\0' ARGS \"$@\"", "sh", .. NastyValues]) { Environment = env };

        var vm = await _bed.RunToCompletionAsync(ScriptTestBed.Builder(spec).Build());

        var fields = _bed.Text(spec.Paths, LogStream.Stdout).Split('\0');
        var argsAt = Array.IndexOf(fields, "ARGS");
        Assert.True(argsAt >= 0, "stdout: " + string.Join("|", fields));
        var seenEnv = fields[..argsAt].Where(f => f.Contains('=', StringComparison.Ordinal)).ToDictionary(f => f[..f.IndexOf('=', StringComparison.Ordinal)], f => f[(f.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        foreach (var (key, value) in env)
        {
            Assert.True(seenEnv.TryGetValue(key, out var seen), $"{key} missing");
            Assert.Equal(value, seen);
        }

        Assert.Equal(NastyValues, fields[(argsAt + 1)..^1]);
        Assert.Equal("meta-chars", seenEnv[RunEnvironmentVariables.RunId]);
        Assert.Empty(Directory.EnumerateFiles(vm.SandboxDirectory, "pwned*", SearchOption.AllDirectories));
        Assert.Equal(new RunExitRecord(0), _bed.ExitRecord(spec.Paths));
    }

    [Theory]
    [InlineData("A-B")]
    [InlineData("1ABC")]
    [InlineData("A B")]
    [InlineData("A;touch pwned")]
    [InlineData("$(x)")]
    [InlineData("")]
    public void Invalid_environment_names_are_rejected_before_any_script_exists(string name)
    {
        var ex = Assert.Throws<InvalidRunSpecException>(() => new RunSpec("bad-env", "/bin/true") { Environment = new Dictionary<string, string> { [name] = "v" } });
        Assert.Contains(EnvironmentVariableName.Pattern, ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => BashQuoting.Assignment(name, "v"));
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    public async Task Generated_scripts_pass_a_bash_syntax_check(bool bundle, bool image, bool timeout)
    {
        var spec = new RunSpec("syntax-check", "/bin/echo", [.. NastyValues])
        {
            Environment = NastyValues.Select((v, i) => (K: "V" + i, V: v)).ToDictionary(p => p.K, p => p.V),
            Image = image ? "us-docker.pkg.dev/p/r/img:1.0" : null,
            Timeout = timeout ? TimeSpan.FromMinutes(3) : null,
        };
        var builder = ScriptTestBed.Builder(spec, bundle ? AppBundle.ForDigest(new string('a', 64)) : null);
        var path = _bed.Sandbox.WriteFile("syntax.sh", builder.Build());
        var info = new ProcessStartInfo("bash") { RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-n");
        info.ArgumentList.Add(path);
        using var process = Process.Start(info)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, errors);
    }

    [Fact]
    public void Container_flags_come_from_the_one_builder_and_carry_names_never_values()
    {
        var spec = new RunSpec("flags", "python", ["train.py"]) { Image = "img:1", Environment = new Dictionary<string, string> { ["SECRET"] = "$(rm -rf /)" } };
        var flags = ScriptTestBed.Builder(spec).ContainerRunFlags();
        Assert.Contains("SECRET", flags);
        Assert.DoesNotContain(flags, f => f.Contains("rm -rf", StringComparison.Ordinal));
        Assert.Contains("--name=stagecraft-flags", flags);

        // Seed 001: cold and warm paths built their docker flags separately and drifted. The script runs docker with
        // exactly this list, and nowhere else.
        var script = ScriptTestBed.Builder(spec).Build();
        Assert.Contains("sc_docker_flags=(" + BashQuoting.Join(flags) + ")\n", script, StringComparison.Ordinal);
        Assert.Equal(1, Regex.Count(script, @"docker run"));
        Assert.Contains("docker run \"${sc_docker_flags[@]}\" \"$sc_image\"", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_job_on_the_same_vm_writes_logs_and_exit_code_to_its_own_paths()
    {
        var first = new RunSpec("job-first", "/bin/sh", ["-c", "echo first; exit 3"]);
        var second = new RunSpec("job-second", "/bin/sh", ["-c", "echo second; echo err >&2; exit 0"]);

        await _bed.RunToCompletionAsync(ScriptTestBed.Builder(first).Build(), vmDirectory: "shared");
        await _bed.RunToCompletionAsync(ScriptTestBed.Builder(second).Build(), vmDirectory: "shared");

        Assert.Equal("first\n", _bed.Text(first.Paths, LogStream.Stdout));
        Assert.Equal(new RunExitRecord(3), _bed.ExitRecord(first.Paths));
        Assert.Equal("second\n", _bed.Text(second.Paths, LogStream.Stdout));
        Assert.Equal("err\n", _bed.Text(second.Paths, LogStream.Stderr));
        Assert.Equal(new RunExitRecord(0), _bed.ExitRecord(second.Paths));
        var names = _bed.Server.GetObjects(ScriptTestBed.Bucket).Select(o => o.Name).ToList();
        Assert.All(names, n => Assert.True(n.StartsWith(first.Paths.Root, StringComparison.Ordinal) || n.StartsWith(second.Paths.Root, StringComparison.Ordinal), n));
        Assert.DoesNotContain(names, n => n.Contains("runs/runs/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Output_written_over_time_is_shipped_as_ordered_chunks_while_the_command_runs()
    {
        var marker = _bed.Sandbox.Combine("go");
        var spec = new RunSpec("chunked", "/bin/sh", ["-c", "echo before; while [ ! -e \"$1\" ]; do sleep 0.05; done; echo after", "sh", marker]);
        var vm = await _bed.StartVmAsync(ScriptTestBed.Builder(spec).Build());

        // The first line must arrive as a chunk while the command is still blocked: logs stream, they are not shipped at the end.
        using var timeout = new CancellationTokenSource(ScriptTestBed.Generous);
        while (_bed.Text(spec.Paths, LogStream.Stdout) != "before\n")
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.Null(_bed.ExitRecord(spec.Paths));
        await File.WriteAllTextAsync(marker, string.Empty);
        Assert.Equal(0, await vm.Exited.WaitAsync(ScriptTestBed.Generous));
        Assert.Equal("before\nafter\n", _bed.Text(spec.Paths, LogStream.Stdout));
        Assert.True(_bed.Server.GetObject(ScriptTestBed.Bucket, spec.Paths.LogChunk(LogStream.Stdout, 1)) is not null, "a second chunk was written");
    }

    [Fact]
    public async Task Sigterm_to_the_vm_is_forwarded_to_the_command_group_and_the_exit_code_is_still_recorded()
    {
        var spec = new RunSpec("sigterm", "/bin/sh", ["-c", "trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.05; done"]);
        var vm = await _bed.StartVmAsync(ScriptTestBed.Builder(spec).Build());
        using var timeout = new CancellationTokenSource(ScriptTestBed.Generous);
        while (!_bed.Text(spec.Paths, LogStream.Stdout).Contains("ready", StringComparison.Ordinal))
        {
            await Task.Delay(50, timeout.Token);
        }

        await vm.StopAsync(ScriptTestBed.Generous);

        Assert.Equal(new RunExitRecord(42), _bed.ExitRecord(spec.Paths));
        Assert.Equal("ready\ngot-term\n", _bed.Text(spec.Paths, LogStream.Stdout));
    }

    [Fact]
    public async Task A_command_ignoring_sigterm_is_killed_after_the_grace_period_with_137()
    {
        var spec = new RunSpec("ignores-term", "/bin/sh", ["-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"]);
        var vm = await _bed.StartVmAsync(ScriptTestBed.Builder(spec).Build());
        using var timeout = new CancellationTokenSource(ScriptTestBed.Generous);
        while (!_bed.Text(spec.Paths, LogStream.Stdout).Contains("ready", StringComparison.Ordinal))
        {
            await Task.Delay(50, timeout.Token);
        }

        await vm.StopAsync(ScriptTestBed.Generous);

        Assert.Equal(new RunExitRecord(137), _bed.ExitRecord(spec.Paths));
    }

    [Fact]
    public async Task A_timeout_stops_the_command_and_is_recorded_as_timeout()
    {
        var spec = new RunSpec("timed-out", "/bin/sh", ["-c", "sleep 30"]) { Timeout = TimeSpan.FromSeconds(1) };
        await _bed.RunToCompletionAsync(ScriptTestBed.Builder(spec).Build());
        var record = _bed.ExitRecord(spec.Paths);
        Assert.NotNull(record);
        Assert.Equal(RunExitReason.TimedOut, record.Reason);
    }

    [Fact]
    public async Task An_app_bundle_is_downloaded_verified_and_run_from_its_directory()
    {
        var bundleBytes = TarGz(("run.sh", "#!/bin/sh\necho \"bundle says $1 from $(basename \"$PWD\")\"\n", true));
        var bundle = AppBundle.ForDigest(Convert.ToHexStringLower(SHA256.HashData(bundleBytes)));
        _bed.Server.Seed(ScriptTestBed.Bucket, bundle.Key, bundleBytes);
        var spec = new RunSpec("bundled", "./run.sh", ["hi there"]);

        await _bed.RunToCompletionAsync(ScriptTestBed.Builder(spec, bundle).Build());

        Assert.Equal("bundle says hi there from app\n", _bed.Text(spec.Paths, LogStream.Stdout));
        Assert.Equal(new RunExitRecord(0), _bed.ExitRecord(spec.Paths));
    }

    [Fact]
    public async Task A_bundle_that_does_not_match_its_digest_is_refused_with_the_setup_failure_code()
    {
        var bundleBytes = TarGz(("run.sh", "#!/bin/sh\necho should-not-run\n", true));
        var bundle = AppBundle.ForDigest(new string('0', 64));
        _bed.Server.Seed(ScriptTestBed.Bucket, bundle.Key, bundleBytes);
        var spec = new RunSpec("bad-bundle", "./run.sh");

        await _bed.RunToCompletionAsync(ScriptTestBed.Builder(spec, bundle).Build());

        Assert.Equal(new RunExitRecord(StartupScriptBuilder.SetupFailureExitCode), _bed.ExitRecord(spec.Paths));
        Assert.Contains("does not match its SHA-256", _bed.Text(spec.Paths, LogStream.Stderr), StringComparison.Ordinal);
        Assert.DoesNotContain("should-not-run", _bed.Text(spec.Paths, LogStream.Stdout), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_before_the_command_started_records_143_without_signalling_an_empty_pid()
    {
        // The bundle download keeps failing with 503: the script is retrying it when SIGTERM arrives,
        // with no command pid yet. "kill -- -0" would kill the script's own group and no exit code would be written.
        var bundle = AppBundle.ForDigest(new string('b', 64));
        var spec = new RunSpec("early-term", "/bin/echo", ["never"]);
        _bed.Server.Faults.Add(new FaultRule<FakeGcsRequest> { Kind = FaultKind.Status, StatusCode = 503, MaxHits = int.MaxValue, Matches = r => r.ObjectName == bundle.Key });
        var vm = await _bed.StartVmAsync(ScriptTestBed.Builder(spec, bundle).Build());
        using var timeout = new CancellationTokenSource(ScriptTestBed.Generous);
        while (!_bed.Server.Requests.Any(r => r.ObjectName == bundle.Key))
        {
            await Task.Delay(50, timeout.Token);
        }

        await vm.StopAsync(ScriptTestBed.Generous);

        var record = _bed.ExitRecord(spec.Paths);
        Assert.NotNull(record);
        Assert.Equal(new RunExitRecord(143), record);
        Assert.DoesNotContain("never", _bed.Text(spec.Paths, LogStream.Stdout), StringComparison.Ordinal);
    }

    private static byte[] TarGz(params (string Name, string Content, bool Executable)[] files)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content, executable) in files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    Mode = executable ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute : UnixFileMode.UserRead | UnixFileMode.UserWrite,
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                };
                tar.WriteEntry(entry);
            }
        }

        return buffer.ToArray();
    }
}
