using Stagecraft.Gcp.Http;

namespace Stagecraft.Sdk.Gcp.Tests.Http;

public sealed class GoogleApiErrorTests
{
    [Fact]
    public void Parses_the_json_api_error_document()
    {
        const string body = """
            {
              "error": {
                "code": 412,
                "message": "At least one of the pre-conditions you specified did not hold.",
                "errors": [
                  {
                    "message": "At least one of the pre-conditions you specified did not hold.",
                    "domain": "global",
                    "reason": "conditionNotMet",
                    "locationType": "header",
                    "location": "If-Match"
                  }
                ]
              }
            }
            """;

        var error = GoogleApiError.TryParse(body)!;

        Assert.Equal(412, error.Code);
        Assert.Equal("conditionNotMet", error.Reason);
        var item = Assert.Single(error.Errors);
        Assert.Equal("global", item.Domain);
        Assert.Equal("header", item.LocationType);
        Assert.Equal("If-Match", item.Location);
    }

    [Fact]
    public void Error_without_details_has_no_reason()
    {
        var error = GoogleApiError.TryParse("""{"error":{"code":503,"message":"Service Unavailable"}}""")!;

        Assert.Equal(503, error.Code);
        Assert.Empty(error.Errors);
        Assert.Null(error.Reason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("<html><body>502 Bad Gateway</body></html>")]
    [InlineData("""{"message":"not the google shape"}""")]
    [InlineData("""{"error":"invalid_grant"}""")]
    [InlineData("[1,2]")]
    public void Anything_else_is_not_an_api_error(string? body) => Assert.Null(GoogleApiError.TryParse(body));
}
