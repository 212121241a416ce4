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

    /// <summary>First start in production: the administrator registered when the directory has none.</summary>
    public BootstrapOptions Bootstrap { get; set; } = new();
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

    /// <summary>How revocation is checked: NoCheck, Offline (cached CRLs) or Online (fetched).</summary>
    public X509RevocationMode RevocationMode { get; set; } = X509RevocationMode.NoCheck;
}

/// <summary>Input limits, section <c>Cpom:Limits</c>.</summary>
public sealed class LimitOptions
{
    /// <summary>The largest request body, in bytes.</summary>
    public long MaxBodyBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>The most data rows in one file.</summary>
    public long MaxRows { get; set; } = 5_000_000;
}
