using System.Text.Json;
using Stagecraft.Gcp.Compute;

namespace Stagecraft.Sdk.Gcp.Tests.Compute;

/// <summary>How a finished operation's error is classified: stockout (try the next zone), quota (stop), or other.</summary>
public class ComputeOperationTests
{
    [Theory]
    [InlineData("ZONE_RESOURCE_POOL_EXHAUSTED", "The zone 'projects/p/zones/z' does not have enough resources available to fulfill the request.", true, false)]
    [InlineData("ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS", "Try a different zone, or try again later.", true, false)]
    [InlineData("SOME_NEW_CODE", "A a2-highgpu-2g VM instance with 2 nvidia-tesla-a100 is currently unavailable in the us-central1-a zone.", true, false)]
    [InlineData("QUOTA_EXCEEDED", "Quota 'CPUS' exceeded. Limit: 24.0 in region us-central1.", false, true)]
    [InlineData("REGIONAL_QUOTA_EXCEEDED", "Quota 'NVIDIA_A100_GPUS' exceeded.", false, true)]
    [InlineData("RESOURCE_NOT_FOUND", "The resource 'projects/p/global/images/x' was not found", false, false)]
    public void Errors_are_classified_as_stockout_quota_or_other(string code, string message, bool stockout, bool quota)
    {
        var json = $$$"""{"name":"op-1","status":"DONE","httpErrorStatusCode":503,"error":{"errors":[{"code":"{{{code}}}","message":{{{JsonSerializer.Serialize(message)}}}}]}}""";
        using var document = JsonDocument.Parse(json);

        var operation = ComputeOperation.Parse(document.RootElement, "z");

        Assert.Equal((code, message, 503), (operation.ErrorCode, operation.ErrorMessage, operation.HttpErrorStatusCode));
        Assert.Equal((stockout, quota), (operation.IsStockout, operation.IsQuotaExceeded));
    }

    [Fact]
    public void A_running_operation_without_error_is_neither()
    {
        using var document = JsonDocument.Parse("""{"name":"op-2","status":"RUNNING"}""");

        var operation = ComputeOperation.Parse(document.RootElement, "z");

        Assert.False(operation.IsDone);
        Assert.Null(operation.ErrorCode);
        Assert.False(operation.IsStockout || operation.IsQuotaExceeded);
    }
}
