using System.Text;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Pseudonymisation;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// The rotation job on its own (no gateway, a database of its own on the suite's provider): its state
/// is in the database, so an interrupted round — a failing key provider, a lost lease, a crash — is
/// resumed by the next one, and the counts add up exactly.
/// </summary>
public sealed class KeyRotationJobTests : IAsyncLifetime
{
    private readonly string _home = Directory.CreateTempSubdirectory("cpom-rotation-").FullName;
    private CpomDbContext _db = null!;

    public async Task InitializeAsync() => _db = await CpomDatabase.OpenAsync(await GatewayFixture.NewStorageAsync(), new CpomHome(_home));

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        CpomDatabase.ClearPools();
        Directory.Delete(_home, recursive: true);
    }

    /// <summary>A key provider that stops wrapping after a number of wraps, as a vault going down would.</summary>
    private sealed class FailingAfter(IKeyProvider inner, int wraps) : IKeyProvider
    {
        private int _wraps;

        public Task<WrappedKey> WrapAsync(ReadOnlyMemory<byte> dataKey, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _wraps) > wraps ? throw new KeyProviderException("Coffre injoignable (test).") : inner.WrapAsync(dataKey, cancellationToken);

        public Task<(string KeyId, byte[] Signature)> SignDigestAsync(byte[] digest, CancellationToken cancellationToken = default) => inner.SignDigestAsync(digest, cancellationToken);
        public Task<SigningKey> GetSigningKeyAsync(CancellationToken cancellationToken = default) => inner.GetSigningKeyAsync(cancellationToken);
        public Task<string> CurrentKeyEncryptionKeyIdAsync(CancellationToken cancellationToken = default) => inner.CurrentKeyEncryptionKeyIdAsync(cancellationToken);
        public Task<string> RotateKeyEncryptionKeyAsync(CancellationToken cancellationToken = default) => inner.RotateKeyEncryptionKeyAsync(cancellationToken);
        public Task<byte[]> UnwrapAsync(WrappedKey wrapped, CancellationToken cancellationToken = default) => inner.UnwrapAsync(wrapped, cancellationToken);
    }

    private static async Task<DatasetEntity> StoreAsync(CpomDbContext db, IPayloadStore store, IKeyProvider keys, Pseudonymiser pseudonymiser, string id, string siret)
    {
        var row = new DatasetEntity
        {
            Id = id, Type = "adherents", FromOrganisation = "prevy", ToOrganisation = "carsat-lr", Purpose = "sinistralite", ContractId = "test",
            CreatedBy = "prevy-agent", Rows = 1, Sha256 = string.Empty, SourceSha256 = string.Empty, PayloadName = string.Empty, CreatedAtUtc = DateTime.UtcNow,
        };
        await using (var writer = await DatasetFiles.BeginAsync(store, keys, id, DatasetFiles.PayloadNameOf(id)))
        {
            await writer.Content.WriteAsync(Encoding.UTF8.GetBytes($"siret\r\n{siret}\r\n"));
            await writer.CompleteAsync(row, [pseudonymiser.Short(IdentifierKind.Siret, siret)]);
        }
        db.Datasets.Add(row);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        return row;
    }

    [Fact]
    public async Task InterruptedRounds_AreResumed_FromTheDatabase_UntilEveryKeyIsWrappedByTheNewVersion_WithExactCounts()
    {
        var keyDirectory = Path.Combine(_home, "keys");
        var keys = new LocalKeyProvider(keyDirectory);
        var store = new FolderPayloadStore(Path.Combine(_home, "payloads"));
        using var pseudonymiser = await PseudonymKeyStore.LoadAsync(_db, keys, keyDirectory, TimeProvider.System);
        var sirets = new Dictionary<string, string> { ["ds_1"] = "10433218419605", ["ds_2"] = "01338908538633", ["ds_3"] = "79402654223514" };
        foreach (var (id, siret) in sirets)
        {
            await StoreAsync(_db, store, keys, pseudonymiser, id, siret);
        }
        var original = await _db.Datasets.AsNoTracking().SingleAsync(d => d.Id == "ds_1");

        var (rotation, created) = await KeyRotation.RequestAsync(_db, "admin", DateTime.UtcNow);
        Assert.True(created);
        var (again, createdAgain) = await KeyRotation.RequestAsync(_db, "admin", DateTime.UtcNow);
        Assert.False(createdAgain);
        Assert.Equal(rotation.Id, again.Id);
        var completions = 0;
        Task Completed(CpomDbContext db, KeyRotationEntity r, CancellationToken ct)
        {
            completions++;
            return Task.CompletedTask;
        }

        // Round 1: the provider goes down at the fourth wrap (the second dataset's second key); one dataset per transaction.
        await Assert.ThrowsAsync<KeyProviderException>(() => KeyRotation.RunAsync(_db, new FailingAfter(keys, 3), TimeProvider.System, _ => Task.FromResult(true), Completed, batchSize: 1));
        var state = await KeyRotation.LatestAsync(_db);
        Assert.Equal((KeyRotation.Rewrapping, "local:kek-v2", 2L, "Coffre injoignable (test)."), (state!.State, state.TargetKeyId, state.Rewrapped, state.LastError));
        Assert.Equal(2 * 3 + 1 - 2, await KeyRotation.NotWrappedByAsync(_db, "local:kek-v2"));

        // Round 2: the lease is lost after one more dataset.
        var asked = 0;
        var (done, count) = await KeyRotation.RunAsync(_db, keys, TimeProvider.System, _ => Task.FromResult(++asked == 1), Completed, batchSize: 1);
        Assert.Null(done);
        Assert.Equal(2, count);
        Assert.Equal(4, (await KeyRotation.LatestAsync(_db))!.Rewrapped);
        Assert.Equal(3, await KeyRotation.NotWrappedByAsync(_db, "local:kek-v2"));

        // Round 3 (another instance after a crash): to the end, the version unchanged (no second rotation).
        (done, count) = await KeyRotation.RunAsync(_db, keys, TimeProvider.System, _ => Task.FromResult(true), Completed, batchSize: 1);
        Assert.Equal(3, count);
        Assert.Equal((KeyRotation.Completed, "local:kek-v2", 7L, (string?)null), (done!.State, done.TargetKeyId, done.Rewrapped, done.LastError));
        Assert.Equal(1, completions);
        Assert.False(File.Exists(Path.Combine(keyDirectory, "kek-v3.key")));
        Assert.False(await KeyRotation.HasWorkAsync(_db));

        // An upload that wrapped with the old version just before the rotation and committed just after: the next round re-wraps it.
        await _db.Datasets.Where(d => d.Id == "ds_1").ExecuteUpdateAsync(s => s.SetProperty(d => d.PayloadKeyId, original.PayloadKeyId).SetProperty(d => d.PayloadWrappedKey, original.PayloadWrappedKey));
        Assert.True(await KeyRotation.HasWorkAsync(_db));
        (done, count) = await KeyRotation.RunAsync(_db, keys, TimeProvider.System, _ => Task.FromResult(true), Completed);
        Assert.Null(done);
        Assert.Equal(1, count);
        Assert.False(await KeyRotation.HasWorkAsync(_db));

        // Everything opens with the new version alone.
        File.Delete(Path.Combine(keyDirectory, "kek-v1.key"));
        var fresh = new LocalKeyProvider(keyDirectory);
        _db.ChangeTracker.Clear();
        using var reloaded = await PseudonymKeyStore.LoadAsync(_db, fresh, keyDirectory, TimeProvider.System);
        Assert.Equal(pseudonymiser.Pseudonym(IdentifierKind.Siret, "10433218419605"), reloaded.Pseudonym(IdentifierKind.Siret, "10433218419605"));
        var rows = await _db.Datasets.AsNoTracking().OrderBy(d => d.Id).ToListAsync();
        Assert.Equal(sirets.Keys, rows.Select(r => r.Id));
        foreach (var row in rows)
        {
            using var plain = new MemoryStream();
            await using (var content = await DatasetFiles.OpenContentAsync(store, fresh, row))
            {
                await content.CopyToAsync(plain);
            }
            Assert.Equal($"siret\r\n{sirets[row.Id]}\r\n", Encoding.UTF8.GetString(plain.ToArray()));
            Assert.Equal([reloaded.Short(IdentifierKind.Siret, sirets[row.Id])], await DatasetFiles.ReadSubjectsAsync(store, fresh, row));
        }
    }
}
