namespace Stagecraft.Gcp.Storage;

/// <summary>Cloud Storage's bucket naming rules (the subset that can be checked without a request).</summary>
public static class GcsBucketName
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the bucket and the broken rule.</summary>
    public static string Validate(string bucket, string paramName = "bucket")
    {
        ArgumentNullException.ThrowIfNull(bucket, paramName);
        if (Check(bucket) is { } rule)
        {
            throw new ArgumentException($"Invalid bucket name '{bucket}': {rule}.", paramName);
        }

        return bucket;
    }

    private static string? Check(string bucket)
    {
        if (bucket.StartsWith("gs://", StringComparison.Ordinal))
        {
            return "give the bare name without 'gs://'";
        }

        if (bucket.Length is < 3 or > 222)
        {
            return "it must be 3 to 222 characters long";
        }

        foreach (var c in bucket)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.'))
            {
                return $"'{c}' is not allowed (only lower-case letters, digits, '-', '_' and '.')";
            }
        }

        if (!char.IsAsciiLetterOrDigit(bucket[0]) || !char.IsAsciiLetterOrDigit(bucket[^1]))
        {
            return "it must start and end with a letter or digit";
        }

        foreach (var component in bucket.Split('.'))
        {
            if (component.Length is 0 or > 63)
            {
                return "each dot-separated component must be 1 to 63 characters long";
            }
        }

        return null;
    }
}
