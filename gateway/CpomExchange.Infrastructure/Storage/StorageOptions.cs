namespace CpomExchange.Infrastructure.Storage;

/// <summary>
/// Where the gateway keeps its state: the configuration section <c>Storage</c> (environment:
/// <c>Storage__Provider</c>, <c>Storage__ConnectionString</c>, <c>Storage__PayloadPath</c>, ...).
/// </summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Storage";

    /// <summary>The SQLite provider (the default: one site, one machine).</summary>
    public const string Sqlite = "Sqlite";

    /// <summary>The PostgreSQL provider (several instances sharing one database).</summary>
    public const string Postgres = "Postgres";

    /// <summary>Payloads in a folder (the default).</summary>
    public const string FolderStore = "Folder";

    /// <summary>Payloads in an Azure Blob Storage container.</summary>
    public const string AzureBlobStore = "AzureBlob";

    /// <summary><c>Sqlite</c> (default) or <c>Postgres</c>.</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// The database's connection string. SQLite: optional (default: <c>cpom.db</c> in the state
    /// folder). PostgreSQL: required, such as <c>Host=db;Database=cpom;Username=cpom;Password=...</c>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary><c>Folder</c> (default) or <c>AzureBlob</c>.</summary>
    public string PayloadStore { get; set; } = FolderStore;

    /// <summary>The payload folder (default: <c>payloads/</c> in the state folder). Every instance must see the same one.</summary>
    public string? PayloadPath { get; set; }

    /// <summary>The Azure Blob Storage container, with <see cref="PayloadStore"/> = <c>AzureBlob</c>.</summary>
    public AzureBlobStorageOptions AzureBlob { get; set; } = new();

    /// <summary>Applies the migrations when the gateway starts (default); else the gateway binary's <c>migrate</c> command does.</summary>
    public bool MigrateAtStartup { get; set; } = true;
}

/// <summary>An Azure Blob Storage container for the payloads.</summary>
public sealed class AzureBlobStorageOptions
{
    /// <summary>The account's blob endpoint, such as <c>https://compte.blob.core.windows.net</c> (Entra ID authentication).</summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>Instead of <see cref="ServiceUri"/>: an account connection string (the emulator, Azurite; keep it out of files).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The container (created if absent).</summary>
    public string Container { get; set; } = "cpom-payloads";

    /// <summary>The Entra ID tenant (with <see cref="ServiceUri"/>; else the default credential chain).</summary>
    public string? TenantId { get; set; }

    /// <summary>The application (client) id.</summary>
    public string? ClientId { get; set; }

    /// <summary>A PEM file with the application's certificate and key.</summary>
    public string? ClientCertificatePath { get; set; }
}
