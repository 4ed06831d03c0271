using Stagecraft.Runs.Logs;

namespace Stagecraft.Sdk.Tests.Runs.Logs;

public sealed class RunLogControlLineTests
{
    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(0.25, "0.25")]
    [InlineData(1.0, "1")]
    [InlineData(7.5, "1")]
    [InlineData(-3.0, "0")]
    public void A_progress_line_round_trips_clamped_to_the_unit_interval(double reported, string payload)
    {
        var line = RunLogControlLine.Progress(reported);

        Assert.Equal("\u001Estagecraft:progress " + payload, line);
        Assert.True(RunLogControlLine.TryParseProgress(line, out var value));
        Assert.Equal(Math.Clamp(reported, 0, 1), value);
    }

    [Theory]
    [InlineData("progress 0.5")]
    [InlineData("stagecraft:progress 0.5")]
    [InlineData("\u001Estagecraft:progress")]
    [InlineData("\u001Estagecraft: 0.5")]
    [InlineData("\u001Estagecraft:Progress 0.5")]
    [InlineData("\u001Eother:progress 0.5")]
    [InlineData("")]
    public void Ordinary_and_malformed_lines_are_log_text(string line)
    {
        Assert.False(RunLogControlLine.TryParse(line, out _, out _));
        Assert.False(RunLogControlLine.TryParseProgress(line, out _));
    }

    [Theory]
    [InlineData("\u001Estagecraft:progress half")]
    [InlineData("\u001Estagecraft:progress NaN")]
    [InlineData("\u001Estagecraft:metric 0.5")]
    public void A_control_line_that_is_not_a_well_formed_progress_report_is_no_progress(string line)
    {
        Assert.True(RunLogControlLine.TryParse(line, out _, out _));
        Assert.False(RunLogControlLine.TryParseProgress(line, out _));
    }

    [Fact]
    public void Kinds_and_payloads_that_would_break_the_line_format_are_refused()
    {
        Assert.Contains("kind", Assert.Throws<ArgumentException>(() => RunLogControlLine.Format("Bad Kind", "x")).Message, StringComparison.Ordinal);
        Assert.Contains("line break", Assert.Throws<ArgumentException>(() => RunLogControlLine.Format("progress", "1\n2")).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => RunLogControlLine.Progress(double.NaN));
    }

    [Fact]
    public void A_log_entry_spanning_lines_travels_as_one_line_and_comes_back_whole()
    {
        var line = RunLogControlLine.Log("Warning", "first\nsecond \"quoted\"");

        Assert.DoesNotContain('\n', line);
        Assert.True(RunLogControlLine.TryParseLog(line, out var level, out var message));
        Assert.Equal(("Warning", "first\nsecond \"quoted\""), (level, message));
        Assert.False(RunLogControlLine.TryParseLog("\u001Estagecraft:log not json", out _, out _));
        Assert.False(RunLogControlLine.TryParseLog("\u001Estagecraft:log {\"level\":1}", out _, out _));
        Assert.False(RunLogControlLine.TryParseLog(RunLogControlLine.Progress(0.5), out _, out _));
    }
}
