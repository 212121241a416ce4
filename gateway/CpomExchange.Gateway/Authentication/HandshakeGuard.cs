using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
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
    /// <summary>Closes, before any TLS byte, the connections of an address over its budget of refusals.</summary>
    public static void UseRefusedAddressGate(this ListenOptions listen, RefusalLimiter limiter) => listen.Use(next => async connection =>
    {
        if (limiter.IsBlocked((connection.RemoteEndPoint as IPEndPoint)?.Address, null, out _))
        {
            connection.Abort(new ConnectionAbortedException("Trop de tentatives refusées depuis cette adresse."));
            return;
        }
        await next(connection);
    });

    /// <summary>
    /// Called from Kestrel's <c>OnAuthenticate</c>, for each connection: the platform's chain policy,
    /// and Kestrel's certificate callback (which calls <c>ClientCertificateValidation</c>) wrapped to
    /// count its refusals and to skip it for a blocked address or certificate.
    /// </summary>
    public static void Apply(ConnectionContext connection, SslServerAuthenticationOptions ssl, ClientCertificateValidator validator, RefusalLimiter limiter)
    {
        ssl.CertificateChainPolicy = validator.HandshakePolicy();
        var kestrel = ssl.RemoteCertificateValidationCallback;
        if (kestrel is null)
        {
            return;
        }
        var address = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        ssl.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            var fingerprint = certificate is null ? null : Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));
            if (limiter.IsBlocked(address, fingerprint, out _))
            {
                limiter.Count(address, fingerprint);
                return false;
            }
            if (kestrel(sender, certificate, chain, errors))
            {
                return true;
            }
            limiter.Count(address, fingerprint);
            return false;
        };
    }
}
