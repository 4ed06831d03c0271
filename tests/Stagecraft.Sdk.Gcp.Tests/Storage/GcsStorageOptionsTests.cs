using Stagecraft.Gcp.Storage;

namespace Stagecraft.Sdk.Gcp.Tests.Storage;

public sealed class GcsStorageOptionsTests
{
    [Theory]
    [InlineData("gs://bucket", "without 'gs://'")]
    [InlineData("ab", "3 to 222")]
    [InlineData("Upper", "'U' is not allowed")]
    [InlineData("-dash", "start and end")]
    [InlineData("a..b", "component")]
    public void Invalid_bucket_names_are_rejected_naming_the_bucket_and_the_rule(string bucket, string rule)
    {
        var error = Assert.Throws<ArgumentException>(() => new GcsObjectStorage(new GcsStorageOptions { Bucket = bucket }));

        Assert.Contains($"'{bucket}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(rule, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100_000)]
    [InlineData((256 * 1024) + 1)]
    public void Chunk_size_must_be_a_positive_multiple_of_256_KiB(int chunk)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new GcsObjectStorage(new GcsStorageOptions { Bucket = "my-bucket", ResumableChunkSize = chunk }));

        Assert.Equal(nameof(GcsStorageOptions.ResumableChunkSize), error.ParamName);
        Assert.Contains("256 KiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Endpoint_must_be_absolute_http()
    {
        Assert.Throws<ArgumentException>(() => new GcsObjectStorage(new GcsStorageOptions { Bucket = "my-bucket", Endpoint = new Uri("ftp://x/") }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GcsObjectStorage(new GcsStorageOptions { Bucket = "my-bucket", InMemoryReadThreshold = -1 }));
    }

    [Fact]
    public void Valid_names_are_accepted()
    {
        Assert.Equal("my-bucket.example_1", GcsBucketName.Validate("my-bucket.example_1"));
    }
}
