using CpomExchange.Rules.Errors;

namespace CpomExchange.Gateway.WebConsole.Pages.Admin;

/// <summary>A certificate file uploaded by an administrator (a registration, a replacement): its bytes, or why not.</summary>
internal static class CertificateUpload
{
    /// <summary>A certificate file is a few kilobytes; anything larger is not one.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The bytes of <paramref name="file"/>, or the refusal of a missing or oversized file.</summary>
    public static async Task<(byte[]? Bytes, Refusal? Problem)> ReadAsync(IFormFile? file, CancellationToken cancellationToken)
    {
        if (file is { Length: > MaxBytes })
        {
            return (null, new Refusal(ErrorCatalog.AdminBadCertificate, "Le fichier est trop gros pour être un certificat (64 Kio au plus)."));
        }
        if (file is not { Length: > 0 })
        {
            return (null, new Refusal(ErrorCatalog.AdminInvalidRequest, "Choisissez le fichier du certificat de l'agent (PEM ou DER)."));
        }
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, cancellationToken);
        return (buffer.ToArray(), null);
    }
}
