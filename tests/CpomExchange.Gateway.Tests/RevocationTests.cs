using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Agents;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;

namespace CpomExchange.Gateway.Tests;

/// <summary>A gateway reading a CRL, made for the run by the development CA, that revokes one registered agent.</summary>
public sealed class RevocationFixture : GatewayFixture
{
    public string CrlFile => Path.Combine(Home, "revoked.crl");

    public X509Certificate2 Revoked { get; private set; } = null!;

    protected override void Configure(WebApplicationBuilder builder)
    {
        // The development PKI exists before the gateway starts, so that the CRL can be signed by its CA.
        var home = new CpomHome(Home);
        using (var db = CpomDatabase.OpenAsync(Storage, home).GetAwaiter().GetResult())
        {
            DevPki.EnsureAsync(home, PolicyLoader.Load(PoliciesDirectory), db).GetAwaiter().GetResult();
            using var ca = DevPki.LoadCa(DevDirectory);
            Revoked = DevPki.IssueClientCertificate(ca, "prevy-revoque", "PREVY", "999000045", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
            AgentDirectory.RegisterIfAbsentAsync(db, "prevy-revoque", "Agent révoqué", "prevy", ["agent"], Revoked).GetAwaiter().GetResult();
            WriteCrl(ca, Revoked);
        }
        builder.Configuration["Cpom:Tls:CrlFiles:0"] = CrlFile;
    }

    public void WriteCrl(X509Certificate2 ca, params X509Certificate2[] revoked)
    {
        var crl = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            crl.AddEntry(certificate);
        }
        var bytes = crl.Build(ca, System.Numerics.BigInteger.One + revoked.Length, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
        File.WriteAllBytes(CrlFile + ".tmp", bytes);
        File.Move(CrlFile + ".tmp", CrlFile, overwrite: true);
        File.SetLastWriteTimeUtc(CrlFile, DateTime.UtcNow.AddSeconds(revoked.Length)); // a visible change even within one clock tick
    }
}

/// <summary>Revocation by CRL files: a revoked client certificate is refused at the handshake; a new list applies without restart.</summary>
public sealed class RevocationTests(RevocationFixture gateway) : IClassFixture<RevocationFixture>
{
    [Fact]
    public async Task RevokedCertificate_IsRefusedAtHandshake_OthersAreNot_AndANewListAppliesWithoutRestart()
    {
        using (var revoked = gateway.Client(gateway.Revoked))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => revoked.GetAsync("api/v1/inbox"));
        }
        using (var satm = gateway.ClientFor("satm-agent"))
        {
            Assert.Equal(HttpStatusCode.OK, (await satm.GetAsync("api/v1/inbox")).StatusCode);
        }

        // The CA revokes satm-agent too: the next connection is refused, no restart.
        using (var ca = DevPki.LoadCa(gateway.DevDirectory))
        using (var satmCertificate = gateway.Identity("satm-agent"))
        {
            gateway.WriteCrl(ca, gateway.Revoked, satmCertificate);
        }
        using (var satm = gateway.ClientFor("satm-agent"))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => satm.GetAsync("api/v1/inbox"));
        }
        using (var prevy = gateway.ClientFor("prevy-agent"))
        {
            Assert.Equal(HttpStatusCode.OK, (await prevy.GetAsync("api/v1/inbox")).StatusCode);
        }

        // A forged list (not signed by a trusted CA) fails closed: every client is refused.
        using (var other = DevPki.CreateCa("Autre autorité"))
        {
            var forged = new CertificateRevocationListBuilder().Build(other, System.Numerics.BigInteger.One, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
            await File.WriteAllBytesAsync(gateway.CrlFile, forged);
            File.SetLastWriteTimeUtc(gateway.CrlFile, DateTime.UtcNow.AddMinutes(5));
        }
        using (var prevy = gateway.ClientFor("prevy-agent"))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => prevy.GetAsync("api/v1/inbox"));
        }
    }
}

/// <summary>
/// A gateway trusting, beside the development CA, two CAs with the same name and different keys
/// ("twins"), each with its revocation list; each test writes the lists it needs and issues its own
/// certificates (the handshake remembers refusals for a while).
/// </summary>
public sealed class TwinCaFixture : GatewayFixture
{
    private int _writes;

    public X509Certificate2 TwinA { get; private set; } = null!;

    public X509Certificate2 TwinB { get; private set; } = null!;

    public string CrlA => Path.Combine(Home, "twin-a.crl");

    public string CrlB => Path.Combine(Home, "twin-b.crl");

    protected override void Configure(WebApplicationBuilder builder)
    {
        var home = new CpomHome(Home);
        using (var db = CpomDatabase.OpenAsync(Storage, home).GetAwaiter().GetResult())
        {
            DevPki.EnsureAsync(home, PolicyLoader.Load(PoliciesDirectory), db).GetAwaiter().GetResult();
        }
        TwinA = DevPki.CreateCa("CpomExchange Jumelle");
        TwinB = DevPki.CreateCa("CpomExchange Jumelle");
        Assert.Equal(TwinA.SubjectName.Name, TwinB.SubjectName.Name);
        File.WriteAllText(Path.Combine(Home, "twin-a.pem"), TwinA.ExportCertificatePem());
        File.WriteAllText(Path.Combine(Home, "twin-b.pem"), TwinB.ExportCertificatePem());
        WriteCrl(CrlA, TwinA);
        WriteCrl(CrlB, TwinB);
        builder.Configuration["Cpom:Tls:TrustAnchors:0"] = Path.Combine(DevDirectory, DevPki.CaFile);
        builder.Configuration["Cpom:Tls:TrustAnchors:1"] = Path.Combine(Home, "twin-a.pem");
        builder.Configuration["Cpom:Tls:TrustAnchors:2"] = Path.Combine(Home, "twin-b.pem");
        builder.Configuration["Cpom:Tls:CrlFiles:0"] = CrlA;
        builder.Configuration["Cpom:Tls:CrlFiles:1"] = CrlB;
    }

    /// <summary>Writes a list signed by <paramref name="ca"/> revoking these serial numbers (raw bytes, as encoded).</summary>
    public void WriteCrl(string file, X509Certificate2 ca, bool expired = false, params byte[][] revokedSerials)
    {
        var crl = new CertificateRevocationListBuilder();
        foreach (var serial in revokedSerials)
        {
            crl.AddEntry(serial, DateTimeOffset.UtcNow.AddMinutes(-1));
        }
        var now = DateTimeOffset.UtcNow;
        var bytes = expired
            ? crl.Build(ca, ++_writes, now.AddDays(-1), HashAlgorithmName.SHA256, thisUpdate: now.AddDays(-2))
            : crl.Build(ca, ++_writes, now.AddDays(7), HashAlgorithmName.SHA256);
        WriteFile(file, bytes);
    }

    /// <summary>Replaces a list by bytes that are no list.</summary>
    public void Break(string file) => WriteFile(file, "pas une liste de révocation"u8.ToArray());

    private void WriteFile(string file, byte[] bytes)
    {
        File.WriteAllBytes(file + ".tmp", bytes);
        File.Move(file + ".tmp", file, overwrite: true);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(++_writes)); // a visible change even within one clock tick
    }

    /// <summary>
    /// A PREVY agent's certificate from <paramref name="ca"/> whose serial number is encoded exactly as
    /// <paramref name="serial"/> (a negative INTEGER too, as some CAs issue them), registered as <paramref name="id"/>.
    /// </summary>
    public async Task<X509Certificate2> IssueAndRegisterAsync(X509Certificate2 ca, string id, byte[] serial)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = new X500DistinguishedNameBuilder();
        name.AddCountryOrRegion("FR");
        name.AddOrganizationName("PREVY");
        name.Add(CertificateFacts.OrganizationIdentifierOid, "NTRFR-999000045", System.Formats.Asn1.UniversalTagNumber.UTF8String);
        name.AddCommonName(id);
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(CertificateFacts.ClientAuthOid)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var placeholder = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30), [0x01]);

        // CertificateRequest normalises serial numbers: re-encode the TBS with the raw one and sign it again.
        var outer = new System.Formats.Asn1.AsnReader(placeholder.RawData, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadSequence();
        var algorithm = outer.ReadEncodedValue().ToArray();
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(tbs.ReadEncodedValue().Span); // [0] version
            tbs.ReadIntegerBytes();
            writer.WriteInteger(serial);
            while (tbs.HasData)
            {
                writer.WriteEncodedValue(tbs.ReadEncodedValue().Span);
            }
        }
        var tbsBytes = writer.Encode();
        using var caKey = ca.GetECDsaPrivateKey()!;
        var signature = caKey.SignData(tbsBytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var certificate = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (certificate.PushSequence())
        {
            certificate.WriteEncodedValue(tbsBytes);
            certificate.WriteEncodedValue(algorithm);
            certificate.WriteBitString(signature);
        }
        using var issued = X509CertificateLoader.LoadCertificate(certificate.Encode());
        Assert.Equal(Convert.ToHexString(serial), Convert.ToHexString(issued.SerialNumberBytes.Span));
        var withKey = issued.CopyWithPrivateKey(key);
        await using var db = await OpenDatabaseAsync();
        await AgentDirectory.RegisterIfAbsentAsync(db, id, "Agent " + id, "prevy", ["agent"], withKey);
        return withKey;
    }
}

/// <summary>Revocation lists bound to their CA by key identifier, failing closed for that CA only, serial numbers compared as encoded.</summary>
public sealed class TwinCaRevocationTests(TwinCaFixture gateway) : IClassFixture<TwinCaFixture>
{
    private static readonly byte[] SharedSerial = [0x11, 0x22, 0x33, 0x44];

    private async Task<bool> AcceptedAsync(X509Certificate2 certificate)
    {
        using var client = gateway.Client(certificate);
        try
        {
            var response = await client.GetAsync("api/v1/me");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return true;
        }
        catch (HttpRequestException)
        {
            return false; // refused at the handshake
        }
    }

    [Fact]
    public async Task ListOfTheSecondCaOfAName_IsVerifiedWithThatCasKey()
    {
        gateway.WriteCrl(gateway.CrlA, gateway.TwinA);
        gateway.WriteCrl(gateway.CrlB, gateway.TwinB);
        using var a = await gateway.IssueAndRegisterAsync(gateway.TwinA, "jumelle-a-1", [0x21]);
        using var b = await gateway.IssueAndRegisterAsync(gateway.TwinB, "jumelle-b-1", [0x22]);
        Assert.True(await AcceptedAsync(a));
        Assert.True(await AcceptedAsync(b));
    }

    [Fact]
    public async Task RevocationByOneCa_DoesNotRevokeTheSameSerialOfItsNamesake()
    {
        using var a = await gateway.IssueAndRegisterAsync(gateway.TwinA, "jumelle-a-2", SharedSerial);
        using var b = await gateway.IssueAndRegisterAsync(gateway.TwinB, "jumelle-b-2", SharedSerial);
        gateway.WriteCrl(gateway.CrlA, gateway.TwinA, revokedSerials: SharedSerial);
        gateway.WriteCrl(gateway.CrlB, gateway.TwinB);
        Assert.False(await AcceptedAsync(a));
        Assert.True(await AcceptedAsync(b));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BrokenOrExpiredListOfOneCa_RefusesOnlyThatCasClients(bool expired)
    {
        var suffix = expired ? "e" : "c";
        using var a = await gateway.IssueAndRegisterAsync(gateway.TwinA, "jumelle-a-3" + suffix, [0x23]);
        using var b = await gateway.IssueAndRegisterAsync(gateway.TwinB, "jumelle-b-3" + suffix, [0x24]);
        gateway.WriteCrl(gateway.CrlB, gateway.TwinB);
        if (expired)
        {
            gateway.WriteCrl(gateway.CrlA, gateway.TwinA, expired: true);
        }
        else
        {
            gateway.Break(gateway.CrlA);
        }
        Assert.False(await AcceptedAsync(a));
        Assert.True(await AcceptedAsync(b));
        using var developmentCa = gateway.Identity("prevy-agent");
        Assert.True(await AcceptedAsync(developmentCa));
    }

    [Fact]
    public async Task SerialWithTheHighBitSet_IsRevokedByTheSameBytes()
    {
        // 0x80… with no leading zero: a negative INTEGER, as some CAs encode serial numbers.
        byte[] negative = [0x80, 0x11, 0x22, 0x33];
        using var certificate = await gateway.IssueAndRegisterAsync(gateway.TwinA, "jumelle-a-negatif", negative);
        gateway.WriteCrl(gateway.CrlB, gateway.TwinB);
        gateway.WriteCrl(gateway.CrlA, gateway.TwinA, revokedSerials: [0x12]);
        Assert.True(await AcceptedAsync(certificate)); // the certificate is otherwise good

        gateway.WriteCrl(gateway.CrlA, gateway.TwinA, revokedSerials: negative);
        Assert.False(await AcceptedAsync(certificate));
    }
}
