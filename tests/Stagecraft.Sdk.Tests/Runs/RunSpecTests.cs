using Stagecraft.Runs;

namespace Stagecraft.Sdk.Tests.Runs;

public class RunSpecTests
{
    [Fact]
    public void A_valid_spec_keeps_every_field()
    {
        var spec = new RunSpec("train-1", "/usr/bin/env", ["python3", "-c", "print(1)\nprint(2)"])
        {
            Environment = new Dictionary<string, string> { ["SEED"] = "7", ["_x1"] = "a b ; $(rm -rf /)" },
            WorkingDirectory = "/tmp/work",
            InputPrefix = "datasets/mnist/",
            OutputPrefix = "models/m1",
            ResourceProfile = "h100-spot",
            Timeout = TimeSpan.FromMinutes(5),
            Labels = new Dictionary<string, string> { ["team"] = "vision", ["empty"] = "" },
            Image = "gcr.io/proj/trainer:v1.2",
        };

        Assert.Equal("train-1", spec.RunId);
        Assert.Equal(["python3", "-c", "print(1)\nprint(2)"], spec.Arguments);
        Assert.Equal("a b ; $(rm -rf /)", spec.Environment["_x1"]);
        Assert.Equal("models/m1", spec.EffectiveOutputPrefix);
        Assert.Equal("runs/train-1/", spec.Paths.Root);
    }

    [Fact]
    public void Output_prefix_defaults_to_the_runs_own_outputs() =>
        Assert.Equal("runs/r/outputs/", new RunSpec("r", "true").EffectiveOutputPrefix);

    [Theory]
    [InlineData("Upper")]
    [InlineData("")]
    [InlineData("has_underscore")]
    [InlineData("-x")]
    [InlineData("../etc")]
    public void Invalid_run_id_names_the_field_and_value(string runId)
    {
        var ex = Assert.Throws<InvalidRunSpecException>(() => new RunSpec(runId, "true"));
        Assert.Equal("RunId", ex.Field);
        Assert.Equal(runId, ex.Value);
        Assert.Contains("RunId", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_id_of_64_characters_is_rejected() =>
        Assert.Equal("RunId", Assert.Throws<InvalidRunSpecException>(() => new RunSpec(new string('a', 64), "true")).Field);

    [Theory]
    [InlineData("1ABC")]
    [InlineData("A-B")]
    [InlineData("A B")]
    [InlineData("")]
    [InlineData("X;rm")]
    [InlineData("PÄTH")]
    public void Environment_names_must_match_the_posix_rule(string name)
    {
        // A seed built `-e {key}=value` shell text from unchecked keys: a bad name must never get that far.
        var ex = Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "true") { Environment = new Dictionary<string, string> { [name] = "v" } });
        Assert.Equal("Environment", ex.Field);
        Assert.Equal(name, ex.Value);
    }

    [Fact]
    public void Environment_values_must_not_contain_nul()
    {
        var ex = Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "true") { Environment = new Dictionary<string, string> { ["A"] = "x\0y" } });
        Assert.Equal("Environment[A]", ex.Field);
        Assert.Contains("\\u0000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_must_not_be_empty_and_arguments_must_not_contain_nul()
    {
        Assert.Equal("Command", Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "")).Field);
        Assert.Equal("Command", Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "a\nb")).Field);
        Assert.Equal("Arguments[1]", Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "echo", ["ok", "b\0d"])).Field);
    }

    [Fact]
    public void Zero_timeout_is_rejected_not_read_as_no_timeout()
    {
        // Seed: `if warm_pool_timeout and ...` silently skipped a 0 timeout. Zero is an error; null is "no limit".
        var ex = Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "true") { Timeout = TimeSpan.Zero });
        Assert.Equal("Timeout", ex.Field);
        Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "true") { Timeout = TimeSpan.FromSeconds(-1) });
        Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "true") { Timeout = TimeSpan.FromDays(31) });
        Assert.Null(new RunSpec("r", "true") { Timeout = null }.Timeout);
    }

    [Theory]
    [InlineData("/abs")]
    [InlineData("a//b")]
    [InlineData("a/../b")]
    public void Storage_prefixes_are_validated_by_ObjectKey(string prefix)
    {
        Assert.Equal("InputPrefix", Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "true") { InputPrefix = prefix }).Field);
        var ex = Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "true") { OutputPrefix = prefix });
        Assert.Equal("OutputPrefix", ex.Field);
        Assert.IsType<ArgumentException>(ex.InnerException);
    }

    [Theory]
    [InlineData("Team", "x")]
    [InlineData("1team", "x")]
    [InlineData("team", "Vision")]
    [InlineData("team", "a b")]
    [InlineData("", "x")]
    public void Labels_follow_compute_engine_rules(string key, string value)
    {
        var ex = Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "true") { Labels = new Dictionary<string, string> { [key] = value } });
        Assert.StartsWith("Labels", ex.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_are_limited_in_length_and_count()
    {
        Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "true") { Labels = new Dictionary<string, string> { ["k"] = new string('v', 64) } });
        Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "true") { Labels = new Dictionary<string, string> { [new string('k', 64)] = "v" } });
        var many = Enumerable.Range(0, 65).ToDictionary(i => "k" + i, _ => "v");
        Assert.Equal("Labels", Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "true") { Labels = many }).Field);
    }

    [Theory]
    [InlineData("CPU")]
    [InlineData("cpu_small")]
    [InlineData("cpu-")]
    [InlineData("1cpu")]
    [InlineData("")]
    public void Resource_profile_names_are_validated(string profile) =>
        Assert.Equal("ResourceProfile", Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "true") { ResourceProfile = profile }).Field);

    [Theory]
    [InlineData("-v/etc:/etc")]
    [InlineData("image with space")]
    [InlineData("")]
    public void Images_that_could_become_flags_or_split_are_rejected(string image) =>
        Assert.Equal("Image", Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "true") { Image = image }).Field);

    [Fact]
    public void Working_directory_must_be_absolute() =>
        Assert.Equal("WorkingDirectory", Assert.Throws<InvalidRunSpecException>(() => new RunSpec("r", "true") { WorkingDirectory = "relative/dir" }).Field);

    [Fact]
    public void Snapshot_bytes_are_copied_in_and_out()
    {
        var bytes = new byte[] { 1, 2, 3 };
        var spec = new RunSpec("r", "true") { Snapshot = bytes };
        bytes[0] = 99; // the caller changing its array later must not change the spec

        var read = spec.Snapshot!.Value;
        Assert.Equal([1, 2, 3], read.ToArray());
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(read, out var segment));
        segment.Array![0] = 42; // nor may a reader writing through the memory it was handed
        Assert.Equal([1, 2, 3], spec.Snapshot!.Value.ToArray());
        Assert.True(spec.HasSnapshot);
        Assert.False(new RunSpec("r", "true").HasSnapshot);
    }

    [Fact]
    public void A_spec_without_a_snapshot_reports_none_rather_than_an_empty_one()
    {
        // Regression: the getter's conditional once had type ReadOnlyMemory<byte>, so "no snapshot" read back as an
        // empty one and the local backend wrote an empty snapshot.bin for every run.
        Assert.Null(new RunSpec("r", "true").Snapshot);
        Assert.Null(new RunSpec("r", "true") { Snapshot = (byte[]?)null }.Snapshot);
        Assert.False(new RunSpec("r", "true") { Snapshot = (byte[]?)null }.HasSnapshot);
        Assert.Null(new RunSpec("r", "true") { Snapshot = Array.Empty<byte>() }.Snapshot);
    }

    [Fact]
    public void Environment_dictionary_is_copied_so_later_caller_changes_do_not_leak_in()
    {
        var env = new Dictionary<string, string> { ["A"] = "1" };
        var spec = new RunSpec("r", "true") { Environment = env };
        env["A"] = "2";
        env["B;rm"] = "bad";
        Assert.Equal("1", spec.Environment["A"]);
        Assert.Single(spec.Environment);
    }
}
