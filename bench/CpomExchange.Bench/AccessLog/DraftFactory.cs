using System.Globalization;
using System.Security.Cryptography;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Bench.AccessLog;

/// <summary>
/// Drafts like the gateway's for an upload of adherents from PREVY to the CARSAT: the agent, its
/// certificate's SHA-256, the purpose with its legal basis as policies/exchanges.yaml states it,
/// a dataset id and a Kestrel-style request id that change with every draft. Thread-safe.
/// </summary>
internal sealed class DraftFactory
{
    // LegalBasis.ToString() of the purpose "sinistralite" (about 100 characters).
    private const string LegalBasis = "RGPD art. 6(1)(e) (mission d'intérêt public) ; Code du travail L. 4622-10 et D. 4622-44 à D. 4622-47 (CPOM)";

    private readonly string _certificate = Convert.ToHexStringLower(SHA256.HashData("CN=prevy-agent, O=PREVY"u8));
    private long _count;

    public AccessLogDraft Next()
    {
        var n = Interlocked.Increment(ref _count);
        return new AccessLogDraft(
            DateTimeOffset.UtcNow,
            "prevy-agent",
            "Agent de dépôt PREVY",
            "prevy",
            _certificate,
            LogActions.Upload,
            "adherents",
            "ds_" + Guid.CreateVersion7().ToString("N"),
            1_000 + (n % 9_000),
            "carsat-lr",
            "sinistralite",
            "Campagne CPOM 2026, lot n° " + (n % 100).ToString(CultureInfo.InvariantCulture),
            LegalBasis,
            AccessLogEntry.Allowed,
            null,
            "192.0.2.17",
            "0HNC4M2J7QK1E:" + n.ToString("X8", CultureInfo.InvariantCulture));
    }
}
