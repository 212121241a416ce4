using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Infrastructure.Agents;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;

namespace CpomExchange.Infrastructure.Pki;

/// <summary>A demonstration identity of the development PKI.</summary>
public sealed record DevIdentity(string Id, string DisplayName, string? Organisation, IReadOnlyList<string> Roles);

/// <summary>
/// The development PKI, under <c>$CPOM_HOME/dev/</c>: a CA (<c>ca.pem</c>, <c>ca.key</c>), the
/// gateway's certificate (<c>gateway.pem</c>, <c>gateway.key</c>) and, for every demo identity,
/// <c>&lt;id&gt;.pem</c>, <c>&lt;id&gt;.key</c> and <c>&lt;id&gt;.pfx</c> (empty password),
/// each registered in the directory. Never overwrites what exists. Development only: the
/// callers check the environment.
/// </summary>
public static class DevPki
{
    /// <summary>The file of the development CA certificate.</summary>
    public const string CaFile = "ca.pem";

    /// <summary>The demo identities for <paramref name="policies"/>: for every organisation an agent and a DPO,
    /// a PDP cell for every SPSTI, a service social for every caisse, and one administrator.</summary>
    public static IReadOnlyList<DevIdentity> Identities(PolicySet policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        var result = new List<DevIdentity>();
        foreach (var org in policies.Organisations.Values.OrderBy(o => o.Id, StringComparer.Ordinal))
        {
            result.Add(new($"{org.Id}-agent", $"Agent {org.Name}", org.Id, [Roles.Agent]));
            result.Add(new($"{org.Id}-dpo", $"DPO {org.Name}", org.Id, [Roles.Dpo]));
            if (org.Kind == OrganisationKind.Spsti)
            {
                result.Add(new($"{org.Id}-pdp", $"Cellule PDP {org.Name}", org.Id, [Roles.Pdp]));
            }
            if (org.Kind == OrganisationKind.Caisse)
            {
                result.Add(new($"{org.Id}-service-social", $"Service social {org.Name}", org.Id, [Roles.ServiceSocial]));
            }
        }
        result.Add(new("admin", "Administrateur de la passerelle", null, [Roles.Admin]));
        return result;
    }

    /// <summary>
    /// Creates what is missing of the development PKI and registers every identity; the
    /// certificates' validity starts from <paramref name="time"/>'s now (the system clock by default).
    /// </summary>
    /// <returns>The identities created now (not those that already existed).</returns>
    public static async Task<IReadOnlyList<string>> EnsureAsync(CpomHome home, PolicySet policies, CpomDbContext db, CancellationToken cancellationToken = default,
        TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        ArgumentNullException.ThrowIfNull(home);
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(db);
        var dir = home.DevDirectory;
        CpomHome.CreatePrivateDirectory(dir);
        using var ca = LoadOrCreateCa(dir, time);
        // Read after the CA is made: a certificate may not start before its issuer, whose start is its own
        // reading of the clock (truncated to the second), and a reading taken before it could be earlier.
        var now = time.GetUtcNow();
        EnsureGatewayCertificate(dir, ca, now);
        var created = new List<string>();
        foreach (var identity in Identities(policies))
        {
            var pem = Path.Combine(dir, identity.Id + ".pem");
            if (!File.Exists(pem))
            {
                var org = identity.Organisation is null ? null : policies.Organisations[identity.Organisation];
                using var issued = IssueClientCertificate(ca, identity.Id, org?.Name, org?.Siren,
                    now.AddDays(-1), now.AddYears(2));
                WriteIdentity(dir, identity.Id, issued);
                created.Add(identity.Id);
            }
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(pem));
            await AgentDirectory.RegisterIfAbsentAsync(db, identity.Id, identity.DisplayName, identity.Organisation, identity.Roles, certificate, cancellationToken, time);
        }
        return created;
    }

    /// <summary>Loads the development CA with its private key.</summary>
    public static X509Certificate2 LoadCa(string devDirectory) =>
        X509Certificate2.CreateFromPemFile(Path.Combine(devDirectory, CaFile), Path.Combine(devDirectory, "ca.key"));

    /// <summary>Loads a development identity with its private key (for clients and tests).</summary>
    public static X509Certificate2 LoadIdentity(string devDirectory, string id) =>
        X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(devDirectory, id + ".pfx"), string.Empty);

    /// <summary>Issues a client certificate from <paramref name="ca"/> (clientAuth, with organizationIdentifier when a SIREN is given).</summary>
    public static X509Certificate2 IssueClientCertificate(X509Certificate2 ca, string commonName, string? organisationName, string? siren,
        DateTimeOffset notBefore, DateTimeOffset notAfter, bool clientAuth = true)
    {
        ArgumentNullException.ThrowIfNull(ca);
        var name = new X500DistinguishedNameBuilder();
        name.AddCountryOrRegion("FR");
        if (organisationName is not null)
        {
            name.AddOrganizationName(organisationName);
        }
        if (siren is not null)
        {
            name.Add(CertificateFacts.OrganizationIdentifierOid, "NTRFR-" + siren, UniversalTagNumber.UTF8String);
        }
        name.AddCommonName(commonName);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(clientAuth ? CertificateFacts.ClientAuthOid : CertificateFacts.ServerAuthOid)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var issued = request.Create(ca, notBefore, notAfter, RandomSerial());
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Creates a self-signed CA certificate (ECDSA P-256) valid for ten years.</summary>
    public static X509Certificate2 CreateCa(string commonName, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = new X500DistinguishedNameBuilder();
        name.AddCountryOrRegion("FR");
        name.AddOrganizationName("CpomExchange (développement)");
        name.AddCommonName(commonName);
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
    }

    /// <summary>Writes <c>&lt;id&gt;.pem</c>, <c>&lt;id&gt;.key</c> and <c>&lt;id&gt;.pfx</c> (empty password).</summary>
    public static void WriteIdentity(string directory, string id, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("ECDSA private key expected.");
        CpomHome.WritePrivateFile(Path.Combine(directory, id + ".key"), Pem(key.ExportPkcs8PrivateKeyPem()));
        CpomHome.WritePrivateFile(Path.Combine(directory, id + ".pfx"), certificate.Export(X509ContentType.Pkcs12, string.Empty));
        // The certificate last: its presence means the identity is complete.
        File.WriteAllText(Path.Combine(directory, id + ".pem"), certificate.ExportCertificatePem() + "\n");
    }

    private static X509Certificate2 LoadOrCreateCa(string dir, TimeProvider time)
    {
        if (File.Exists(Path.Combine(dir, CaFile)))
        {
            return LoadCa(dir);
        }
        var ca = CreateCa("CpomExchange Development CA", time);
        using var key = ca.GetECDsaPrivateKey()!;
        CpomHome.WritePrivateFile(Path.Combine(dir, "ca.key"), Pem(key.ExportPkcs8PrivateKeyPem()));
        File.WriteAllText(Path.Combine(dir, CaFile), ca.ExportCertificatePem() + "\n");
        return ca;
    }

    private static void EnsureGatewayCertificate(string dir, X509Certificate2 ca, DateTimeOffset now)
    {
        var pem = Path.Combine(dir, "gateway.pem");
        if (File.Exists(pem))
        {
            return;
        }
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = new X500DistinguishedNameBuilder();
        name.AddCountryOrRegion("FR");
        name.AddOrganizationName("CpomExchange (développement)");
        name.AddCommonName("localhost");
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(CertificateFacts.ServerAuthOid)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var cert = request.Create(ca, now.AddDays(-1), now.AddYears(2), RandomSerial());
        CpomHome.WritePrivateFile(Path.Combine(dir, "gateway.key"), Pem(key.ExportPkcs8PrivateKeyPem()));
        File.WriteAllText(pem, cert.ExportCertificatePem() + "\n");
    }

    /// <summary>
    /// A PEM block as written to a file: .NET exports it without a final line feed, and a file without
    /// one glues its last line to the next file's first when concatenated (<c>cat cert.pem key.pem</c>,
    /// the bundle curl, ab or openssl take), which no PEM reader accepts.
    /// </summary>
    private static byte[] Pem(string block) => System.Text.Encoding.ASCII.GetBytes(block + "\n");

    private static byte[] RandomSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive
        return serial;
    }
}
