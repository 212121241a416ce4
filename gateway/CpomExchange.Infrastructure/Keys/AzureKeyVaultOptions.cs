namespace CpomExchange.Infrastructure.Keys;

/// <summary>Where the keys live in Azure Key Vault, and how patiently to talk to it.</summary>
public sealed class AzureKeyVaultOptions
{
    /// <summary>The vault, e.g. <c>https://cpom-prod.vault.azure.net/</c>. HTTPS only.</summary>
    public Uri VaultUri { get; set; } = null!;

    /// <summary>The RSA key-encryption key that wraps data keys (RSA-OAEP-256); wrapping uses its latest version.</summary>
    public string KeyEncryptionKeyName { get; set; } = "";

    /// <summary>The EC P-256 signing key (ES256).</summary>
    public string SigningKeyName { get; set; } = "";

    /// <summary>The longest one operation may take, retries and waits included.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after a first attempt that failed with 408, 429, 5xx or a network error.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first back-off delay, doubled at each retry (a <c>Retry-After</c> from the vault wins when longer).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(0.5);

    /// <summary>The longest back-off delay.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// Whether the resource named by the vault's authentication challenge must match the vault's
    /// host (so that a token is never requested for a resource the vault is not). Off only in tests.
    /// </summary>
    public bool VerifyChallengeResource { get; set; } = true;
}
