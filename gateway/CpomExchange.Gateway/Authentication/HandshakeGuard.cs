using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CpomExchange.Gateway.Authentication;

/// <summary>
/// The TLS handshake's share of the refusal limits: a connection from an address that has used its
/// budget of refusals is closed before the handshake; a certificate over its budget is refused
/// without building its chain; every refused client certificate counts against its address and
/// its fingerprint. And the platform's own chain building during the handshake (done by
/// <see cref="SslStream"/> before the validation callback) is held to the configured anchors and
/// intermediates with downloads disabled, so that it makes no network call either.
/// </summary>
internal static class HandshakeGuard
{
    // Kestrel's certificate callback is given the certificate, not the connection: the address is
    // handed over in the connection's execution context, set just before the handshake starts.
    private static readonly AsyncLocal<IPAddress?> HandshakeAddress = new();

    /// <summary>Closes, before any TLS byte, the connections of an address over its budget of refusals.</summary>
    public static void UseRefusedAddressGate(this ListenOptions listen, RefusalLimiter limiter) => listen.Use(next => async connection =>
    {
        var address = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        if (limiter.IsBlocked(address, null, out _))
        {
            connection.Abort(new ConnectionAbortedException("Trop de tentatives refusées depuis cette adresse."));
            return;
        }
        HandshakeAddress.Value = address;
        await next(connection);
    });

    /// <summary>
    /// Called from Kestrel's <c>OnAuthenticate</c>, for each connection, just before its handshake:
    /// the platform's chain policy, and the client's address for <see cref="Validate"/>.
    /// </summary>
    public static void Prepare(ConnectionContext connection, SslServerAuthenticationOptions ssl, ClientCertificateValidator validator)
    {
        ssl.CertificateChainPolicy = validator.HandshakePolicy();
        HandshakeAddress.Value = (connection.RemoteEndPoint as IPEndPoint)?.Address;
    }

    /// <summary>
    /// Kestrel's <c>ClientCertificateValidation</c>: the validator's verdict, skipped for an address or a
    /// certificate over its budget, and every refusal counted against both.
    /// </summary>
    public static bool Validate(X509Certificate2 certificate, ClientCertificateValidator validator, RefusalLimiter limiter)
    {
        var address = HandshakeAddress.Value;
        var fingerprint = Convert.ToHexString(SHA256.HashData(certificate.RawData));
        if (!limiter.IsBlocked(address, fingerprint, out _) && validator.Validate(certificate) is null)
        {
            return true;
        }
        limiter.Count(address, fingerprint);
        return false;
    }
}
