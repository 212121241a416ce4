using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>The leases that let one instance at a time run a periodic job, on the run's database provider.</summary>
public sealed class LeaseTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpom-lease-").FullName;
    private StorageOptions _storage = null!;
    private CpomDbContext _a = null!;
    private CpomDbContext _b = null!;

    public async Task InitializeAsync()
    {
        _storage = await GatewayFixture.NewStorageAsync();
        _a = await CpomDatabase.OpenAsync(_storage, new CpomHome(_dir));
        _b = await CpomDatabase.OpenAsync(_storage, new CpomHome(_dir), migrate: false);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        CpomDatabase.ClearPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task OneHolderAtATime_RenewedByItsHolder_TakenOverOnlyOnceExpired()
    {
        var now = new DateTime(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc);
        var minute = TimeSpan.FromMinutes(1);
        Assert.True(await Leases.TryAcquireAsync(_a, "job", "A", minute, now));
        Assert.False(await Leases.TryAcquireAsync(_b, "job", "B", minute, now.AddSeconds(30)));
        // The holder renews before the end; the other still cannot take it.
        Assert.True(await Leases.TryAcquireAsync(_a, "job", "A", minute, now.AddSeconds(50)));
        Assert.False(await Leases.TryAcquireAsync(_b, "job", "B", minute, now.AddSeconds(70)));
        // Once expired (the holder stopped), the other takes it, and the first one has lost it.
        Assert.True(await Leases.TryAcquireAsync(_b, "job", "B", minute, now.AddSeconds(111)));
        Assert.False(await Leases.TryAcquireAsync(_a, "job", "A", minute, now.AddSeconds(112)));
        // Another job's lease is another row.
        Assert.True(await Leases.TryAcquireAsync(_a, "other-job", "A", minute, now.AddSeconds(112)));
    }

    [Fact]
    public async Task ManyContendersAtOnce_ExactlyOneGetsIt()
    {
        var now = DateTime.UtcNow;
        var contexts = new List<CpomDbContext>();
        for (var i = 0; i < 8; i++)
        {
            contexts.Add(await CpomDatabase.OpenAsync(_storage, new CpomHome(_dir), migrate: false));
        }
        try
        {
            var won = await Task.WhenAll(contexts.Select((db, i) => Task.Run(() => Leases.TryAcquireAsync(db, "race", $"holder-{i}", TimeSpan.FromMinutes(5), now))));
            Assert.Equal(1, won.Count(w => w));
        }
        finally
        {
            foreach (var db in contexts)
            {
                await db.DisposeAsync();
            }
        }
    }
}
