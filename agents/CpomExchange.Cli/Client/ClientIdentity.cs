using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace CpomExchange.Cli.Client;

/// <summary>Settings a config file may hold (JSON): the gateway address and the agent's certificate.</summary>
public sealed class CliConfig
{
    /// <summary>The gateway's address.</summary>
    public string? Gateway { get; set; }

    /// <summary>The agent's certificate (PEM).</summary>
    public string? Cert { get; set; }

    /// <summary>Its private key (PEM).</summary>
    public string? Key { get; set; }

    /// <summary>The CA that issued the gateway's certificate (PEM), when not in the system store.</summary>
    public string? Ca { get; set; }
}

/// <summary>A usage error: a missing or contradictory option, a file that cannot be read.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Who <c>cpom</c> speaks as, and to which gateway: <c>--as &lt;id&gt;</c> (a development identity of
/// <c>dev/</c> of the gateway's state folder, see <see cref="StateFolder"/>), else <c>--cert</c>/<c>--key</c>, else a config file (<c>--config</c>,
/// <c>$CPOM_CONFIG</c>, or <c>~/.config/cpom/config.json</c>).
/// </summary>
public sealed record ClientIdentity(Uri Gateway, X509Certificate2 Certificate, X509Certificate2? ServerCa)
{
    /// <summary>The gateway used when none is given.</summary>
    public const string DefaultGateway = "https://localhost:5443";

    /// <summary>Resolves the identity from the options, the environment and the config file.</summary>
    public static ClientIdentity Resolve(string? gateway, string? asId, string? cert, string? key, string? ca, string? configPath, string? home)
    {
        var config = LoadConfig(configPath);
        var homeDir = StateFolder.Resolve(home);
        string certPath, keyPath;
        string? caPath = ca ?? config?.Ca;
        if (asId is not null)
        {
            if (cert is not null || key is not null)
            {
                throw new UsageException("--as et --cert/--key s'excluent : choisissez l'un ou l'autre.");
            }
            if (asId.Length == 0 || asId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-')))
            {
                throw new UsageException($"Identité de développement « {asId} » invalide.");
            }
            certPath = Path.Combine(homeDir.DevDirectory, asId + ".pem");
            keyPath = Path.Combine(homeDir.DevDirectory, asId + ".key");
            if (!File.Exists(certPath))
            {
                throw new UsageException(MissingIdentity(asId, homeDir));
            }
            caPath ??= Path.Combine(homeDir.DevDirectory, "ca.pem");
        }
        else if (cert is not null || key is not null)
        {
            certPath = cert ?? throw new UsageException("--key demande aussi --cert.");
            keyPath = key ?? throw new UsageException("--cert demande aussi --key.");
        }
        else if (config?.Cert is not null && config.Key is not null)
        {
            certPath = config.Cert;
            keyPath = config.Key;
        }
        else
        {
            throw new UsageException("Aucune identité : indiquez --as <identité>, ou --cert et --key, ou un fichier de configuration (--config).");
        }
        var address = gateway ?? Environment.GetEnvironmentVariable("CPOM_GATEWAY") ?? config?.Gateway ?? DefaultGateway;
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new UsageException($"Adresse de passerelle « {address} » invalide : https://hôte:port attendu.");
        }
        X509Certificate2 certificate;
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            // Through PKCS#12 so that the key is usable by the TLS stack on every platform.
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new UsageException($"Certificat ou clé illisible ({certPath}, {keyPath}) : {e.Message}");
        }
        X509Certificate2? serverCa = null;
        if (caPath is not null)
        {
            try
            {
                serverCa = X509CertificateLoader.LoadCertificateFromFile(caPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new UsageException($"Autorité de certification illisible ({caPath}) : {e.Message}");
            }
        }
        return new ClientIdentity(new Uri(uri.ToString().TrimEnd('/') + "/"), certificate, serverCa);
    }

    /// <summary>Where the development identities are, and how to point <c>cpom</c> at them.</summary>
    private static string MissingIdentity(string id, StateFolder home)
    {
        var text = $"Identité de développement « {id} » introuvable : pas de {Path.Combine(home.DevDirectory, id + ".pem")} (dossier d'état pris dans {home.Origin}).\n"
            + "  La passerelle crée les identités de développement au démarrage, dans l'environnement Development, dans son dossier d'état :\n"
            + "  $CPOM_HOME, sinon .cpom/ du dossier d'où elle a été lancée. Indiquez ce même dossier à cpom :\n"
            + "    cpom ... --home /chemin/du/depot/.cpom      ou      export CPOM_HOME=/chemin/du/depot/.cpom";
        if (StateFolder.FindAbove(id + ".pem") is { } above)
        {
            text += $"\n  Un dossier d'état qui la contient existe plus haut : --home {above}";
        }
        return text;
    }

    private static CliConfig? LoadConfig(string? path)
    {
        var explicitPath = path ?? Environment.GetEnvironmentVariable("CPOM_CONFIG");
        var candidate = explicitPath ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "cpom", "config.json");
        if (!File.Exists(candidate))
        {
            return explicitPath is null ? null : throw new UsageException($"Fichier de configuration introuvable : {explicitPath}");
        }
        try
        {
            return JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(candidate), new JsonSerializerOptions(JsonSerializerDefaults.Web));
        }
        catch (JsonException e)
        {
            throw new UsageException($"Fichier de configuration {candidate} invalide : {e.Message}");
        }
    }
}
