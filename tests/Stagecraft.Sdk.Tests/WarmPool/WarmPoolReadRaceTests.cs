using Stagecraft.Storage;
using Stagecraft.Testing.Contracts;
using Stagecraft.WarmPool;

namespace Stagecraft.Sdk.Tests.WarmPool;

/// <summary>
/// A read of an instance document racing its overwrite can be reported as "not found" by a storage that pins the
/// generation it read (Cloud Storage does). The pool must not take that for a vanished instance: a launcher waiting
/// for an ACK would then report the claim lost and run the job a second time.
/// </summary>
public sealed class WarmPoolReadRaceTests
{
    private const string Profile = WarmPoolFixture.Profile;

    [Fact]
    public async Task A_read_racing_an_overwrite_is_not_a_lost_claim()
    {
        using var f = new WarmPoolFixture(new WarmPoolProfileOptions { AckTimeout = TimeSpan.FromSeconds(30) });
        var instance = await f.IdleInstanceAsync("job-1");
        var claim = (await f.Pool.TryClaimAsync(Profile, "job-2"))!;
        await f.Pool.PutJobAsync(Profile, "job-2", "x"u8.ToArray());
        Assert.NotNull(await f.Pool.TryAcceptAsync(Profile, instance.InstanceId));

        var racing = new OverwrittenWhileReadStorage(f.Storage, f.Pool.Paths.Instance(Profile, instance.InstanceId));
        var launcherView = new Stagecraft.WarmPool.WarmPool(racing, f.Options);

        Assert.Equal(WarmAckOutcome.Acked, await launcherView.WaitForAckAsync(claim));
        Assert.True(racing.Misreported);
    }

    /// <summary>Reports the document missing once, as a read whose pinned generation was replaced mid-read is.</summary>
    private sealed class OverwrittenWhileReadStorage(IObjectStorage inner, string racedKey) : ObjectStorageDecorator(inner)
    {
        public bool Misreported { get; private set; }

        public override Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (key == racedKey && !Misreported)
            {
                Misreported = true;
                throw new ObjectNotFoundException(key);
            }

            return base.GetAsync(key, options, cancellationToken);
        }
    }
}
