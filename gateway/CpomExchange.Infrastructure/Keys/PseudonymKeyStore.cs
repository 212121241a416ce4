using System.Security.Cryptography;
using System.Text.Json;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Pseudonymisation;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.Keys;

/// <summary>
/// The pseudonymisation key: ONE for the whole deployment, kept wrapped by the key provider in the
/// database every instance shares (<c>pseudonym_keys</c>), created once by whichever instance starts
/// first on an empty database, never created again. Every instance must make the same pseudonyms,
/// or a list uploaded through one would not match an answer sent through another.
/// </summary>
public static class PseudonymKeyStore
{
    /// <summary>The current pseudonymisation key version.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Where earlier versions kept the key, wrapped, in each instance's state folder (under <c>keys/</c>).</summary>
    public const string LegacyFileName = "pseudonym-v1.json";

    /// <summary>What a legacy key file becomes once its key is in the database.</summary>
    public const string ImportedSuffix = ".imported";

    /// <summary>
    /// The pseudonymiser of the deployment's key. Creates the key (or imports it from
    /// <paramref name="legacyDirectory"/>/<see cref="LegacyFileName"/>, an earlier version's file)
    /// under a lock when the database has none; refuses (<see cref="PseudonymKeyException"/>, in
    /// French) when the database has datasets but no key, when the key cannot be unwrapped, or when
    /// this instance's legacy file holds another key than the database's.
    /// </summary>
    public static async Task<Pseudonymiser> LoadAsync(CpomDbContext db, IKeyProvider keys, string legacyDirectory, TimeProvider time,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(time);
        var legacyFile = Path.Combine(legacyDirectory, LegacyFileName);
        var stored = await db.PseudonymKeys.AsNoTracking().SingleOrDefaultAsync(k => k.Version == CurrentVersion, cancellationToken)
            ?? await CreateOnceAsync(db, keys, legacyFile, time, cancellationToken);
        var key = await UnwrapAsync(keys, new WrappedKey(stored.KeyId, stored.WrappedKey), cancellationToken);
        try
        {
            await RetireLegacyFileAsync(keys, legacyFile, key, cancellationToken);
            return new Pseudonymiser(key, CurrentVersion);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// Inside a write transaction and a lock every instance takes (PostgreSQL: an advisory lock;
    /// SQLite: the one writer), so that of instances starting at the same instant exactly one creates
    /// the key and the others read it.
    /// </summary>
    private static async Task<PseudonymKeyEntity> CreateOnceAsync(CpomDbContext db, IKeyProvider keys, string legacyFile, TimeProvider time,
        CancellationToken cancellationToken)
    {
        await using var transaction = await CpomDatabase.BeginWriteAsync(db, cancellationToken);
        await CpomDatabase.LockAsync(db, "pseudonym-key", cancellationToken);
        var existing = await db.PseudonymKeys.AsNoTracking().SingleOrDefaultAsync(k => k.Version == CurrentVersion, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }
        byte[] key;
        string origin;
        if (File.Exists(legacyFile))
        {
            key = await UnwrapAsync(keys, await ReadLegacyFileAsync(legacyFile, cancellationToken), cancellationToken);
            origin = "imported";
        }
        else if (await db.Datasets.AnyAsync(cancellationToken))
        {
            throw new PseudonymKeyException(
                "La base contient des jeux de données mais aucune clé de pseudonymisation : en créer une nouvelle rendrait les pseudonymes existants "
                + "(index des jeux de données, journaux) inutilisables. Démarrez d'abord une instance qui détient encore le fichier "
                + $"keys/{LegacyFileName} de la version précédente (il sera importé), ou restaurez la table pseudonym_keys.");
        }
        else
        {
            key = RandomNumberGenerator.GetBytes(32);
            origin = "created";
        }
        try
        {
            var wrapped = await keys.WrapAsync(key, cancellationToken);
            var entity = new PseudonymKeyEntity
            {
                Version = CurrentVersion,
                KeyId = wrapped.KeyId,
                WrappedKey = wrapped.Value,
                Origin = origin,
                CreatedAtUtc = time.GetUtcNow().UtcDateTime,
            };
            db.PseudonymKeys.Add(entity);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            db.Entry(entity).State = EntityState.Detached;
            return entity;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// An earlier version's key file beside an imported (or already stored) key: set aside once it is
    /// known to hold the same key, so that later starts do not depend on it (its wrapping may use a
    /// key-encryption key version that will be destroyed). A file holding ANOTHER key means this
    /// instance pseudonymised its datasets with a key of its own: refused, for the operator to decide.
    /// </summary>
    private static async Task RetireLegacyFileAsync(IKeyProvider keys, string legacyFile, byte[] key, CancellationToken cancellationToken)
    {
        WrappedKey wrapped;
        try
        {
            wrapped = await ReadLegacyFileAsync(legacyFile, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return; // none (or another process of this state folder set it aside first)
        }
        var legacy = await UnwrapAsync(keys, wrapped, cancellationToken);
        try
        {
            if (!CryptographicOperations.FixedTimeEquals(legacy, key))
            {
                throw new PseudonymKeyException(
                    $"Le fichier {legacyFile} contient une autre clé de pseudonymisation que celle du déploiement (dans la base) : cette instance a "
                    + "pseudonymisé ses jeux de données avec une clé qui lui était propre, et leurs index ne correspondent pas aux pseudonymes des autres "
                    + $"instances. Voir docs/keys.md (« Upgrading from an earlier version ») ; renommez le fichier en {LegacyFileName}.divergent pour démarrer quand même.");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(legacy);
        }
        try
        {
            File.Move(legacyFile, legacyFile + ImportedSuffix, overwrite: true);
        }
        catch (FileNotFoundException)
        {
            // Set aside by another process of this state folder.
        }
    }

    private static async Task<WrappedKey> ReadLegacyFileAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var stored = JsonSerializer.Deserialize<LegacyFile>(await File.ReadAllBytesAsync(path, cancellationToken));
            return stored is { KeyId: { Length: > 0 } kid, Value: { Length: > 0 } value }
                ? new WrappedKey(kid, value)
                : throw new PseudonymKeyException($"Fichier de clé de pseudonymisation illisible : {path}.");
        }
        catch (JsonException e)
        {
            throw new PseudonymKeyException($"Fichier de clé de pseudonymisation illisible : {path}.", e);
        }
    }

    private static async Task<byte[]> UnwrapAsync(IKeyProvider keys, WrappedKey wrapped, CancellationToken cancellationToken)
    {
        try
        {
            return await keys.UnwrapAsync(wrapped, cancellationToken);
        }
        catch (KeyProviderException e)
        {
            throw new PseudonymKeyException(
                $"La clé de pseudonymisation (enveloppée par « {wrapped.KeyId} ») ne peut pas être déballée par le fournisseur de clés : {e.Message} "
                + "Toutes les instances d'un déploiement doivent utiliser le même fournisseur de clés (le même coffre Azure Key Vault, ou le même dossier "
                + "de clés locales : Cpom:Keys:Local:Directory). Si le fournisseur est seulement injoignable, redémarrez quand il répond.", e);
        }
    }

    /// <summary>The JSON of an earlier version's key file.</summary>
    private sealed record LegacyFile(string? KeyId, byte[]? Value);
}

/// <summary>The deployment's pseudonymisation key is missing, unreadable or contradicted: the gateway must not start.</summary>
public sealed class PseudonymKeyException(string message, Exception? inner = null) : Exception(message, inner);
