using System.Text;
using Stagecraft.Artifacts;

namespace Stagecraft.Sdk.Tests.Registry;

public class ArtifactUriTests
{
    [Fact]
    public void Gcs_uri_formats_with_run_paths_layout()
    {
        var uri = ArtifactUri.ForGcs("my-bucket", "exp-42", "model/weights.bin");
        Assert.Equal("gs://my-bucket/runs/exp-42/outputs/model/weights.bin", uri.ToString());
        Assert.Equal("runs/exp-42/outputs/model/weights.bin", uri.ObjectKey);
        Assert.Equal("my-bucket", uri.Bucket);
        Assert.Equal(ArtifactUriScheme.GoogleCloudStorage, uri.Scheme);
    }

    [Fact]
    public void Gcs_uri_with_prefix_keeps_prefix_in_storage_key()
    {
        var uri = ArtifactUri.Parse("gs://bkt/team-a/store/runs/r1/outputs/m.onnx");
        Assert.Equal("bkt/team-a/store", uri.Root);
        Assert.Equal("bkt", uri.Bucket);
        Assert.Equal("r1", uri.RunId);
        Assert.Equal("m.onnx", uri.Name);
        Assert.Equal("team-a/store/runs/r1/outputs/m.onnx", uri.StorageKey);
    }

    [Fact]
    public void File_uri_round_trips_and_names_the_object_key()
    {
        var uri = ArtifactUri.ForFile("/var/lib/store/", "r-7", "dir with space/a#b.txt");
        Assert.Equal("file:///var/lib/store/runs/r-7/outputs/dir%20with%20space/a%23b.txt", uri.ToString());
        Assert.Equal("/var/lib/store", uri.Root);
        Assert.Equal(uri, ArtifactUri.Parse(uri.ToString()));
        Assert.Equal("runs/r-7/outputs/dir with space/a#b.txt", uri.ObjectKey);
    }

    [Fact]
    public void Run_and_bucket_may_be_named_runs()
    {
        var uri = ArtifactUri.ForGcs("runs", "runs", "runs/outputs/x");
        Assert.Equal("gs://runs/runs/runs/outputs/runs/outputs/x", uri.ToString());
        var back = ArtifactUri.Parse(uri.ToString());
        Assert.Equal(("runs", "runs", "runs/outputs/x"), (back.Root, back.RunId, back.Name));
    }

    [Fact]
    public void Windows_drive_roots_round_trip()
    {
        var uri = ArtifactUri.ForFile(@"C:\store", "r1", "m.bin");
        Assert.Equal("file:///C:/store/runs/r1/outputs/m.bin", uri.ToString());
        Assert.Equal("C:/store", ArtifactUri.Parse(uri.ToString()).Root);
        var driveRoot = ArtifactUri.ForFile("C:/", "r1", "m.bin");
        Assert.Equal(driveRoot, ArtifactUri.Parse(driveRoot.ToString()));
        Assert.Equal("C:/", ArtifactUri.Parse(driveRoot.ToString()).Root);

        // On Unix a directory may be called "C:"; its colon is escaped so it is not mistaken for a drive.
        var unixColon = ArtifactUri.ForFile("/C:/x", "r1", "m.bin");
        Assert.Equal("file:///C%3A/x/runs/r1/outputs/m.bin", unixColon.ToString());
        Assert.Equal("/C:/x", ArtifactUri.Parse(unixColon.ToString()).Root);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("<none>")]
    [InlineData("<NONE>")]
    [InlineData("TBD")]
    [InlineData("none")]
    [InlineData("null")]
    [InlineData("n/a")]
    [InlineData("placeholder")]
    [InlineData("demo/safer-promote-placeholder.joblib")] // the seed's placeholder that crashed the planning step
    public void Placeholders_are_rejected_with_a_clear_error(string text)
    {
        var ex = Assert.Throws<ArtifactUriFormatException>(() => ArtifactUri.Parse(text));
        Assert.Equal(text, ex.Text);
        Assert.Contains($"'{text}'", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Reason!.Contains("placeholder", StringComparison.Ordinal) || ex.Reason.Contains("empty", StringComparison.Ordinal), ex.Message);
        Assert.False(ArtifactUri.TryParse(text, out _));
    }

    [Theory]
    [InlineData("demo/seasonal_naive-model_abc.joblib", "no scheme")]
    [InlineData("s3://bucket/runs/r1/outputs/m", "scheme 's3' is not supported")]
    [InlineData("gs://bucket/models/m.bin", "no 'runs/{runId}/' part")]
    [InlineData("gs://bucket/runs/Bad_Id/outputs/m", "run id 'Bad_Id' is invalid")]
    [InlineData("gs://bucket/runs/r1/logs/m", "continue with 'outputs/{name}'")]
    [InlineData("gs://bucket/runs/r1/outputs/", "continue with 'outputs/{name}'")]
    [InlineData("gs://bucket/runs/r1/outputs/a//b", "artefact name is invalid")]
    [InlineData("gs://bucket/runs/r1/outputs/../b", "artefact name is invalid")]
    [InlineData("gs://Bucket/runs/r1/outputs/m", "lower-case")]
    [InlineData("gs://ab/runs/r1/outputs/m", "3 to 63")]
    [InlineData("gs://bucket/x/runs/r1/outputs/m?x=1", "query or fragment")]
    [InlineData("gs://bucket/runs/r1/outputs/a b", "space")]
    [InlineData("gs://bucket/runs/r1/outputs/a%2", "percent-escape")]
    [InlineData("gs://bucket/runs/r1/outputs/a%FF", "invalid UTF-8")]
    [InlineData("file://host/runs/r1/outputs/m", "empty host")]
    [InlineData(" gs://bucket/runs/r1/outputs/m", "whitespace")]
    public void Parse_errors_are_typed_and_name_the_text_and_rule(string text, string rule)
    {
        var ex = Assert.Throws<ArtifactUriFormatException>(() => ArtifactUri.Parse(text));
        Assert.Equal(text, ex.Text);
        Assert.Contains(text.Trim(), ex.Message, StringComparison.Ordinal);
        Assert.Contains(rule, ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Roots_with_a_runs_segment_are_rejected_when_formatting()
    {
        var ex = Assert.Throws<ArgumentException>(() => ArtifactUri.ForFile("/home/me/runs/store", "r1", "m"));
        Assert.Contains("/home/me/runs/store", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ambiguous", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ArtifactUri.ForFile("relative/dir", "r1", "m"));
        Assert.Throws<ArgumentException>(() => ArtifactUri.ForGcs("bucket", "Not-Valid", "m"));
        Assert.Throws<ArgumentException>(() => ArtifactUri.ForGcs("bucket", "r1", ""));
    }

    [Fact]
    public void Scheme_is_case_insensitive_and_escapes_are_normalised()
    {
        var uri = ArtifactUri.Parse("GS://bucket/runs/r1/outputs/%7e%41b");
        Assert.Equal("~Ab", uri.Name);
        Assert.Equal("gs://bucket/runs/r1/outputs/~Ab", uri.ToString());
    }

    [Fact]
    public void Generated_values_round_trip_through_their_text()
    {
        // A seeded generator stands in for a property-testing library; raise the count with STAGECRAFT_ROUNDTRIP_CASES.
        var cases = int.TryParse(Environment.GetEnvironmentVariable("STAGECRAFT_ROUNDTRIP_CASES"), out var n) ? n : 5000;
        var random = new Random(20240607);
        for (var i = 0; i < cases; i++)
        {
            var uri = random.Next(2) == 0
                ? ArtifactUri.ForGcs(RandomGcsRoot(random), RandomRunId(random), RandomName(random))
                : ArtifactUri.ForFile(RandomFileRoot(random), RandomRunId(random), RandomName(random));
            var text = uri.ToString();
            var parsed = ArtifactUri.Parse(text);
            Assert.Equal(uri, parsed);
            Assert.Equal((uri.Scheme, uri.Root, uri.RunId, uri.Name), (parsed.Scheme, parsed.Root, parsed.RunId, parsed.Name));
            Assert.Equal(text, parsed.ToString());
            if (uri.Scheme == ArtifactUriScheme.File)
            {
                // System.Uri is a second opinion on well-formedness (it rejects some valid bucket names as hosts).
                Assert.True(Uri.TryCreate(text, UriKind.Absolute, out _), $"'{text}' is not a well-formed absolute URI");
            }
        }
    }

    [Fact]
    public void Random_text_never_throws_anything_but_the_typed_error()
    {
        var random = new Random(7);
        var alphabet = "gsfile:/runs/outputs/r1-%2Fabc .?#<>\u00e9\u0001";
        for (var i = 0; i < 5000; i++)
        {
            var sb = new StringBuilder(random.Next(0, 3) switch { 0 => "gs://", 1 => "file:///", _ => "" });
            var length = random.Next(0, 60);
            for (var j = 0; j < length; j++)
            {
                sb.Append(alphabet[random.Next(alphabet.Length)]);
            }

            var text = sb.ToString();
            try
            {
                var uri = ArtifactUri.Parse(text);
                Assert.Equal(uri, ArtifactUri.Parse(uri.ToString()));
            }
            catch (ArtifactUriFormatException ex)
            {
                Assert.Equal(text, ex.Text);
            }
        }
    }

    private const string SegmentAlphabet = "abcXYZ019-._~:@ %?#&=+!$'()*,;[]{}^`|\"<>\u00e9\u00df\u4e2d\u0416";

    private static string RandomRunId(Random random)
    {
        const string chars = "abcdefghijklmnopqrstuvwxyz0123456789-";
        var length = random.Next(1, 64);
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            sb.Append(chars[random.Next(chars.Length)]);
        }

        if (sb[0] == '-')
        {
            sb[0] = 'a';
        }

        if (sb[^1] == '-')
        {
            sb[^1] = '0';
        }

        return sb.ToString();
    }

    private static string RandomSegment(Random random)
    {
        while (true)
        {
            var length = random.Next(1, 12);
            var sb = new StringBuilder(length + 2);
            for (var i = 0; i < length; i++)
            {
                if (random.Next(20) == 0)
                {
                    sb.Append("\U0001F600"); // a surrogate pair: must travel as one UTF-8 sequence
                }
                else
                {
                    sb.Append(SegmentAlphabet[random.Next(SegmentAlphabet.Length)]);
                }
            }

            var segment = sb.ToString();
            if (segment is not ("." or ".." or "runs"))
            {
                return segment;
            }
        }
    }

    private static string RandomName(Random random) =>
        string.Join('/', Enumerable.Range(0, random.Next(1, 5)).Select(_ => random.Next(10) == 0 ? "runs" : RandomSegment(random)));

    private static string RandomGcsRoot(Random random)
    {
        const string chars = "abcdefghijklmnopqrstuvwxyz0123456789-_.";
        var length = random.Next(3, 64);
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            sb.Append(chars[random.Next(chars.Length)]);
        }

        sb[0] = 'b';
        sb[^1] = '9';
        var prefix = Enumerable.Range(0, random.Next(0, 3)).Select(_ => RandomSegment(random));
        return string.Join('/', [sb.ToString(), .. prefix]);
    }

    private static string RandomFileRoot(Random random)
    {
        var segments = Enumerable.Range(0, random.Next(0, 4)).Select(_ => RandomSegment(random)).ToArray();
        return random.Next(8) == 0 ? "D:/" + string.Join('/', segments) : "/" + string.Join('/', segments);
    }
}
