using Google.Apis.Auth.OAuth2;
using Stagecraft.Gcp.Pipelines;

namespace Stagecraft.Sdk.Gcp.Tests.Pipelines;

public sealed class GcpPipelineOptionsTests
{
    [Fact]
    public void Without_a_bucket_the_program_is_not_configured_for_google_cloud()
    {
        Assert.Null(GcpPipelineOptions.FromEnvironment(Variables([])));
    }

    [Fact]
    public void On_a_laptop_the_variables_give_project_zones_and_bucket_with_application_default_credentials()
    {
        var options = GcpPipelineOptions.FromEnvironment(Variables(new()
        {
            [GcpEnvironmentVariables.Project] = "my-project",
            [GcpEnvironmentVariables.Zones] = "us-central1-a, us-central1-b",
            [GcpEnvironmentVariables.Bucket] = "my-bucket",
            ["STORAGE_EMULATOR_HOST"] = "127.0.0.1:9",
        }))!;

        Assert.Equal("my-project", options.Compute.Project);
        Assert.Equal(["us-central1-a", "us-central1-b"], options.Compute.Zones);
        Assert.Equal("my-bucket", options.EffectiveStorage.Bucket);
        Assert.Null(options.EffectiveStorage.Credential);

        // Off a VM the storage client itself decides about STORAGE_EMULATOR_HOST, as Google's clients do.
        Assert.Null(options.EffectiveStorage.Endpoint);
    }

    [Fact]
    public void The_coordinators_state_directory_is_per_user_and_project_unless_the_variable_names_one()
    {
        var laptop = new Dictionary<string, string>
        {
            [GcpEnvironmentVariables.Project] = "my-project",
            [GcpEnvironmentVariables.Zones] = "us-central1-a",
            [GcpEnvironmentVariables.Bucket] = "my-bucket",
        };

        var byDefault = GcpPipelineOptions.FromEnvironment(Variables(laptop))!;
        Assert.Null(byDefault.StateDirectory);
        Assert.Equal(GcpPipelineOptions.DefaultStateDirectory("my-project"), byDefault.EffectiveStateDirectory);
        Assert.EndsWith(Path.Combine("stagecraft", "gcp", "my-project"), byDefault.EffectiveStateDirectory, StringComparison.Ordinal);
        Assert.True(Path.IsPathFullyQualified(byDefault.EffectiveStateDirectory));
        Assert.NotEqual(GcpPipelineOptions.DefaultStateDirectory("other-project"), byDefault.EffectiveStateDirectory);

        laptop[GcpEnvironmentVariables.StateDirectory] = "/srv/coordinator-state";
        Assert.Equal("/srv/coordinator-state", GcpPipelineOptions.FromEnvironment(Variables(laptop))!.EffectiveStateDirectory);
    }

    [Fact]
    public void On_a_vm_the_worker_reaches_storage_as_its_startup_script_does_with_the_vms_service_account()
    {
        var onVm = new Dictionary<string, string>
        {
            [GcpEnvironmentVariables.Project] = "p",
            [GcpEnvironmentVariables.Zones] = "z",
            [GcpEnvironmentVariables.Bucket] = "b-1",
            [GcpEnvironmentVariables.Credentials] = GcpEnvironmentVariables.MetadataServerCredential,
            [GcpEnvironmentVariables.StorageEndpoint] = "https://storage.googleapis.com/",
        };

        var real = GcpPipelineOptions.FromEnvironment(Variables(onVm))!;
        Assert.IsType<ComputeCredential>(real.EffectiveStorage.Credential);
        Assert.Equal(new Uri("https://storage.googleapis.com/"), real.EffectiveStorage.Endpoint);

        onVm["STORAGE_EMULATOR_HOST"] = "127.0.0.1:4443";
        var emulated = GcpPipelineOptions.FromEnvironment(Variables(onVm))!;
        Assert.Equal(new Uri("http://127.0.0.1:4443/"), emulated.EffectiveStorage.Endpoint);
        Assert.IsType<ComputeCredential>(emulated.EffectiveStorage.Credential);
    }

    [Theory]
    [InlineData(null, "z", null, GcpEnvironmentVariables.Project)]
    [InlineData("p", " , ", null, GcpEnvironmentVariables.Zones)]
    [InlineData("p", "z", "service-account.json", GcpEnvironmentVariables.Credentials)]
    public void A_missing_or_malformed_value_is_refused_naming_the_variable(string? project, string zones, string? credentials, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => GcpPipelineOptions.FromEnvironment(Variables(new()
        {
            [GcpEnvironmentVariables.Bucket] = "b",
            [GcpEnvironmentVariables.Project] = project!,
            [GcpEnvironmentVariables.Zones] = zones,
            [GcpEnvironmentVariables.Credentials] = credentials!,
        })));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    private static Func<string, string?> Variables(Dictionary<string, string> values) => name => values.GetValueOrDefault(name);
}
