using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Console.Tests;

/// <summary>What the console's tests prepare through the API, as the CLI would, and check through it.</summary>
internal static class ConsoleCalls
{
    /// <summary>Sends <paramref name="csv"/> as <paramref name="identity"/> through the API; returns the dataset's id.</summary>
    public static async Task<string> SendAsync(this GatewayFixture gateway, string identity, string query, string csv)
    {
        using var client = gateway.ClientFor(identity);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await client.PostAsync("api/v1/datasets?" + query, content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>An adherents list of PREVY for the CARSAT, with SIRETs no other test uses.</summary>
    public static Task<string> SendAdherentsAsync(this GatewayFixture gateway, long seed, int count = 2) =>
        gateway.SendAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite",
            "siret\r\n" + string.Concat(TestSirets.From(seed).Take(count).Select(s => s + "\r\n")));

    /// <summary>A dataset's metadata through the API.</summary>
    public static async Task<JsonElement> MetadataAsync(this GatewayFixture gateway, string identity, string id)
    {
        using var client = gateway.ClientFor(identity);
        return await client.GetFromJsonAsync<JsonElement>($"api/v1/datasets/{id}");
    }

    /// <summary>The NIR of the person of <see cref="SendSignalementAsync"/>'s file of <paramref name="seed"/> (valid key).</summary>
    public static string SignalementNir(int seed)
    {
        var body = $"1850175{seed % 1000:D3}{seed % 997 + 1:D3}";
        var key = 97 - (long.Parse(body, CultureInfo.InvariantCulture) % 97);
        return $"{body}{key:D2}";
    }

    /// <summary>A signalements file of the PDP cell of P.S.T.38 for the Carsat Rhône-Alpes, of one person.</summary>
    public static Task<string> SendSignalementAsync(this GatewayFixture gateway, int seed)
    {
        var employer = TestSirets.From(700_000_000 + seed * 10L).First();
        var csv = "nir;nom;prenom;date_naissance;telephone;email;siret_employeur;en_arret;date_debut_arret;motif;niveau_complexite;consentement;date_consentement;emetteur_nom;emetteur_contact\r\n" +
            $"{SignalementNir(seed)};PERSONNE;Camille;14/06/1971;06 00 00 00 01;p1@example.org;{employer};oui;02/01/2026;Restrictions d'aptitude;T3A;oui;09/01/2026;Dr Anne Lefèvre;cellule-pdp@spsti.example\r\n";
        return gateway.SendAsync("pst38-pdp", "type=signalements-pdp&to=carsat-ra&purpose=pdp", csv);
    }
}
