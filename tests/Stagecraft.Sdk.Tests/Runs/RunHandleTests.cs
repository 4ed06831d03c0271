using Stagecraft.Runs;

namespace Stagecraft.Sdk.Tests.Runs;

public class RunHandleTests
{
    [Fact]
    public void Round_trips_through_json()
    {
        var handle = new RunHandle("gce", "train-7", RunHandle.NewLaunchId(), new Dictionary<string, string> { ["zone"] = "us-central1-a", ["instance"] = "sc-train-7" });
        var json = handle.ToJson();
        var back = RunHandle.FromJson(json);

        Assert.Equal(handle, back);
        Assert.Equal("us-central1-a", back.Properties["zone"]);
        Assert.Equal(json, back.ToJson());
    }

    [Fact]
    public void Json_has_the_documented_shape()
    {
        var json = new RunHandle("local", "r1", "abc").ToJson();
        Assert.Equal("""{"v":1,"backend":"local","runId":"r1","launchId":"abc"}""", json);
    }

    [Theory]
    [InlineData("""{"v":1,"backend":"local","runId":"../../etc","launchId":"abc"}""", "runId")]
    [InlineData("""{"v":1,"backend":"local","runId":"Runs","launchId":"abc"}""", "runId")]
    [InlineData("""{"v":1,"backend":"local","runId":"r1","launchId":"a/b"}""", "launchId")]
    [InlineData("""{"v":1,"backend":"Local; rm","runId":"r1","launchId":"abc"}""", "backend")]
    [InlineData("""{"v":1,"backend":"local","runId":"r1","launchId":"abc","properties":{"zone":"a\nb"}}""", "properties[zone]")]
    [InlineData("""{"v":1,"backend":"local","runId":"r1","launchId":"abc","properties":{"../x":"a"}}""", "properties")]
    [InlineData("""{"v":2,"backend":"local","runId":"r1","launchId":"abc"}""", "version")]
    public void Tampered_handles_are_rejected_naming_the_field(string json, string field)
    {
        var ex = Assert.Throws<InvalidRunHandleException>(() => RunHandle.FromJson(json));
        Assert.Equal(field, ex.Field);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("""{"v":1,"backend":"local","runId":"r1"}""")]
    [InlineData("""{"v":1,"backend":"local","runId":"r1","launchId":"abc","extra":"x"}""")]
    [InlineData("""{"v":1,"backend":"local","runId":"r1","runId":"r2","launchId":"abc"}""")]
    public void Malformed_documents_are_rejected(string json) =>
        Assert.Throws<InvalidRunHandleException>(() => RunHandle.FromJson(json));

    [Fact]
    public void Oversized_text_is_rejected_before_parsing() =>
        Assert.Throws<InvalidRunHandleException>(() => RunHandle.FromJson(new string(' ', RunHandle.MaxJsonLength + 1)));

    [Fact]
    public void Constructor_validates_too()
    {
        Assert.Throws<ArgumentException>(() => new RunHandle("local", "BAD", "abc"));
        Assert.Throws<ArgumentException>(() => new RunHandle("", "r", "abc"));
        Assert.Throws<ArgumentException>(() => new RunHandle("local", "r", ""));
    }

    [Fact]
    public void Launch_ids_are_fresh_hex_tokens()
    {
        var a = RunHandle.NewLaunchId();
        Assert.Matches("^[0-9a-f]{32}$", a);
        Assert.NotEqual(a, RunHandle.NewLaunchId());
    }
}
