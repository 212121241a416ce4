using System.Security.Cryptography.X509Certificates;

namespace CpomExchange.Gateway.Hosting;

/// <summary>The gateway's settings, section <c>Cpom</c>.</summary>
public sealed class GatewayOptions
{
    /// <summary>The state folder; <c>$CPOM_HOME</c> or <c>.cpom/</c> when empty.</summary>
    public string? Home { get; set; }

    /// <summary>The policy folder; <c>$CPOM_POLICIES</c>, <c>./policies</c> or the copy beside the binary when empty.</summary>
    public string? Policies { get; set; }

    /// <summary>The legal time zone in which "today" is decided for contract terms.</summary>
    public string TimeZone { get; set; } = "Europe/Paris";

    /// <summary>TLS settings.</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>Input limits.</summary>
    public LimitOptions Limits { get; set; } = new();

    /// <summary>The key provider.</summary>
    public KeyOptions Keys { get; set; } = new();

    /// <summary>First start in production: the administrator registered when the directory has none.</summary>
    public BootstrapOptions Bootstrap { get; set; } = new();

    /// <summary>How often the datasets' retention runs.</summary>
    public RetentionOptions Retention { get; set; } = new();

    /// <summary>The policy's history and refresh (<c>Cpom:Policy</c>).</summary>
    public PolicyOptions Policy { get; set; } = new();
}

/// <summary>Section <c>Cpom:Retention</c>: how often the datasets past their retention are destroyed.</summary>
public sealed class RetentionOptions
{
    /// <summary>The period in seconds (tests, operators); wins over <see cref="CheckEveryMinutes"/> when set.</summary>
    public int? CheckEverySeconds { get; set; }

    /// <summary>The period in minutes.</summary>
    public int CheckEveryMinutes { get; set; } = 10;

    /// <summary>The period these settings give.</summary>
    public TimeSpan Period => CheckEverySeconds is > 0 ? TimeSpan.FromSeconds(CheckEverySeconds.Value) : TimeSpan.FromMinutes(CheckEveryMinutes);
}

/// <summary>Section <c>Cpom:Keys</c>: which key provider holds the key-encryption and signing keys.</summary>
public sealed class KeyOptions
{
    /// <summary><c>Local</c> (files in <see cref="LocalKeySettings.Directory"/>, the default) or <c>AzureKeyVault</c>.</summary>
    public string Provider { get; set; } = "Local";

    /// <summary>Settings of the local key provider, section <c>Cpom:Keys:Local</c>.</summary>
    public LocalKeySettings Local { get; set; } = new();

    /// <summary>
    /// How often each instance looks for key maintenance work (a rotation asked for, keys to re-wrap
    /// or to move out of an earlier version's files), in seconds; the instance that takes the lease does it.
    /// </summary>
    public int MaintenanceEverySeconds { get; set; } = 30;

    /// <summary>Settings of Azure Key Vault, section <c>Cpom:Keys:AzureKeyVault</c>.</summary>
    public AzureKeyVaultSettings AzureKeyVault { get; set; } = new();
}

/// <summary>The local key provider's folder.</summary>
public sealed class LocalKeySettings
{
    /// <summary>
    /// The folder of the key files; <c>$CPOM_HOME/keys</c> when empty. Every instance of a deployment
    /// must use the same keys: instances with a state folder each share one key folder, as they would
    /// share one vault.
    /// </summary>
    public string? Directory { get; set; }
}

/// <summary>Azure Key Vault: the vault, the two keys, and the identity the gateway uses.</summary>
public sealed class AzureKeyVaultSettings
{
    /// <summary>The vault, <c>https://&lt;name&gt;.vault.azure.net/</c>.</summary>
    public Uri? VaultUri { get; set; }

    /// <summary>The RSA key that wraps data keys (operations wrapKey, unwrapKey).</summary>
    public string KeyEncryptionKeyName { get; set; } = "cpom-kek";

    /// <summary>The EC P-256 key that signs the access logs' checkpoints (operation sign).</summary>
    public string SigningKeyName { get; set; } = "cpom-signing";

    /// <summary>The Entra ID tenant.</summary>
    public string? TenantId { get; set; }

    /// <summary>The application (client) id, or the user-assigned managed identity's client id.</summary>
    public string? ClientId { get; set; }

    /// <summary>A PEM/PFX client certificate for the application: ClientCertificateCredential; else DefaultAzureCredential.</summary>
    public string? ClientCertificatePath { get; set; }

    /// <summary>How long one operation may take, retries included.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many times a failed request is retried (408, 429 honouring Retry-After, 5xx, network).</summary>
    public int MaxRetries { get; set; } = 3;
}

/// <summary>Section <c>Cpom:Bootstrap</c>: the first administrator of a new deployment.</summary>
public sealed class BootstrapOptions
{
    /// <summary>The administrator's certificate (PEM file). Used only while no enabled admin exists.</summary>
    public string? AdminCertificate { get; set; }

    /// <summary>The administrator's agent id.</summary>
    public string AdminId { get; set; } = "admin";

    /// <summary>The administrator's display name.</summary>
    public string AdminName { get; set; } = "Administrateur de la passerelle";
}

/// <summary>TLS and client-certificate settings, section <c>Cpom:Tls</c>.</summary>
public sealed class TlsOptions
{
    /// <summary>The gateway's certificate (PEM). In Development, the development PKI's when empty.</summary>
    public string? ServerCertificate { get; set; }

    /// <summary>The private key of <see cref="ServerCertificate"/> (PEM).</summary>
    public string? ServerKey { get; set; }

    /// <summary>The CA certificates (PEM files) client certificates must chain to. In Development, the development CA when empty.</summary>
    public List<string> TrustAnchors { get; set; } = [];

    /// <summary>Intermediate CA certificates (PEM files) used to build client chains.</summary>
    public List<string> Intermediates { get; set; } = [];

    /// <summary>Certificate revocation lists (PEM or DER files), re-read when they change; signed by a trust anchor or intermediate.</summary>
    public List<string> CrlFiles { get; set; } = [];

    /// <summary>How revocation is checked by the platform beside the CRL files: NoCheck, Offline (cached CRLs) or Online (distribution points fetched).</summary>
    public X509RevocationMode RevocationMode { get; set; } = X509RevocationMode.NoCheck;

    /// <summary>With <c>Online</c>: how long one revocation source (CRL distribution point, OCSP responder) may take to answer.</summary>
    public TimeSpan RevocationTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Input limits, section <c>Cpom:Limits</c>.</summary>
public sealed class LimitOptions
{
    /// <summary>The largest request body, in bytes: a file upload (<c>POST /api/v1/datasets</c>).</summary>
    public long MaxBodyBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>The largest body of every other request (JSON: administration, subject lookup), in bytes; beyond, 413 request.body-too-large.</summary>
    public long MaxJsonBodyBytes { get; set; } = 16 * 1024;

    /// <summary>Uploads one organisation may run at once (all its agents together); beyond, 429 request.too-many-concurrent.</summary>
    public int ConcurrentUploadsPerOrganisation { get; set; } = 8;

    /// <summary>Downloads one organisation may run at once; beyond, 429 request.too-many-concurrent.</summary>
    public int ConcurrentDownloadsPerOrganisation { get; set; } = 16;

    /// <summary>Indicator drafts (<c>GET /api/v1/indicators</c>) one organisation may compute at once; beyond, 429 request.too-many-concurrent.</summary>
    public int ConcurrentIndicatorDraftsPerOrganisation { get; set; } = 2;

    /// <summary>
    /// The disk space the sorted runs of large uploads may take together in <c>$CPOM_HOME/spool</c>, in
    /// bytes (about 32 bytes per row of a file over 262,144 rows); beyond, the upload is refused with
    /// 507 storage.spool-full and nothing of it is kept.
    /// </summary>
    public long SpoolQuotaBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>The most data rows in one file.</summary>
    public long MaxRows { get; set; } = 5_000_000;

    /// <summary>
    /// The largest document (the <c>document</c> exchange), in bytes, whatever its exchange's own
    /// <c>document.maxBytes</c> allows (the smaller wins): a document is read whole in memory to be checked.
    /// </summary>
    public long MaxDocumentBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>Requests per organisation per minute (all its agents together); beyond, 429 with Retry-After.</summary>
    public int RequestsPerMinutePerOrganisation { get; set; } = 600;

    /// <summary>The slowest accepted upload, in bytes per second after a 5-second grace (slow-client protection).</summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 240;

    /// <summary>How long a client may take to complete the TLS handshake.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a database write waits for a database another process holds, in seconds; then 503 storage.unavailable.</summary>
    public int DatabaseBusyTimeoutSeconds { get; set; } = 30;

    /// <summary>How long a client may take to send its request headers.</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Section <c>Cpom:Policy</c>.</summary>
public sealed class PolicyOptions
{
    /// <summary>Who deploys this policy, recorded in the policy history with the version it starts.</summary>
    public string? DeployedBy { get; set; }

    /// <summary>How often an instance applies the third-party authorisations recorded on another (seconds).</summary>
    public int RefreshSeconds { get; set; } = 10;
}
