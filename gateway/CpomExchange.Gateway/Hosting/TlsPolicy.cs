using System.Net.Security;
using System.Runtime.Versioning;

namespace CpomExchange.Gateway.Hosting;

/// <summary>The cipher suites the gateway accepts (ANSSI, "Recommandations de sécurité relatives à TLS").</summary>
internal static class TlsPolicy
{
    /// <summary>TLS 1.3 AEAD suites, and TLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305 only.</summary>
    [UnsupportedOSPlatform("windows")]
    [UnsupportedOSPlatform("osx")]
    public static CipherSuitesPolicy CipherSuites { get; } = new(
    [
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]);
}
