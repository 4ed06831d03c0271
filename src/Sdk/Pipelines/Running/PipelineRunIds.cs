using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Stagecraft.Runs;

namespace Stagecraft.Pipelines;

/// <summary>Generates readable, unique run ids: <c>{pipeline}-{yyyyMMdd-HHmmss}-{6 hex}</c>, valid per <see cref="RunId"/>.</summary>
internal static class PipelineRunIds
{
    private const int SuffixLength = 23; // "-20250101-120000-a1b2c3"

    public static string New(string pipeline, TimeProvider timeProvider)
    {
        var slug = Slug(pipeline, RunId.MaxLength - SuffixLength);
        var time = timeProvider.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var random = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        return RunId.Validate($"{slug}-{time}-{random}");
    }

    private static string Slug(string name, int maxLength)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9'))
            {
                sb.Append(c);
            }
            else if (sb.Length > 0 && sb[^1] != '-')
            {
                sb.Append('-');
            }
        }

        var slug = sb.ToString().Trim('-');
        if (slug.Length > maxLength)
        {
            slug = slug[..maxLength].TrimEnd('-');
        }

        return slug.Length == 0 ? "pipeline" : slug;
    }
}
