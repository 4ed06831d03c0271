using System.Security.Cryptography;
using System.Text;
using Stagecraft.Artifacts;
using Stagecraft.Registry;

namespace Stagecraft.Sdk.Tests.Registry;

/// <summary>Builds valid registrations for tests.</summary>
internal static class RegistryTestModels
{
    public static ModelRegistration Registration(string runId, double accuracy, string stage = "train") => new()
    {
        RunId = runId,
        Stage = stage,
        ArtifactUri = ArtifactUri.ForGcs("models-bucket", runId, "model/weights.bin"),
        ArtifactSha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(runId))),
        ArtifactSize = 1234,
        Metrics = new Dictionary<string, double> { ["accuracy"] = accuracy, ["loss"] = 1 - accuracy },
        Tags = new Dictionary<string, string> { ["dataset"] = "iris-v1" },
    };

    public static ModelRegistry NewRegistry(InMemoryObjectStorage storage, string actor = "tester", TimeProvider? time = null) =>
        new(storage, new ModelRegistryOptions { Actor = actor, TimeProvider = time ?? new ManualTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)) });

    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
        {
            list.Add(item);
        }

        return list;
    }
}
