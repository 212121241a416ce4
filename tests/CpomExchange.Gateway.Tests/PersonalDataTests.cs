using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>Health data (signalements PDP): only the PDP cell and the service social, never a NIR in clear outside the payload.</summary>
public sealed class PersonalDataTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private const string Nir = "293116562420460";
    private const string RefusedNir = "185057800608491";
    private const string RefusedEmail = "dominique.refusee@example.org";
    private const string NoConsentNir = "290027512345621";

    [Fact]
    public async Task Signalement_IsStoredEncrypted_AndNoNirOrNameAppearsInTheStateTheDatabaseOrTheLogs_EvenOfARefusedFile()
    {
        using var pdp = gateway.ClientFor("cist971-pdp");
        var content = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(GatewayFixture.SamplesDirectory, "signalements-pdp.csv")));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var response = await pdp.PostAsync("api/v1/datasets?type=signalements-pdp&to=cgss-guadeloupe&purpose=pdp", content);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        // Only the service social of the caisse reads it; its agents and DPO do not.
        using var serviceSocial = gateway.ClientFor("cgss-guadeloupe-service-social");
        var text = await serviceSocial.GetStringAsync($"api/v1/datasets/{id}/content?purpose=pdp");
        Assert.Contains(Nir, text, StringComparison.Ordinal);
        foreach (var identity in new[] { "cgss-guadeloupe-agent", "cgss-guadeloupe-dpo" })
        {
            using var other = gateway.ClientFor(identity);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync($"api/v1/datasets/{id}/content?purpose=pdp")).StatusCode);
        }

        // The DPO of each joint controller finds the accesses by NIR (RGPD art. 15).
        foreach (var dpo in new[] { "cist971-dpo", "cgss-guadeloupe-dpo" })
        {
            using var client = gateway.ClientFor(dpo);
            var found = await (await client.PostAsJsonAsync("api/v1/audit/subjects", new { nir = Nir })).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains(id, found.GetProperty("datasets").EnumerateArray().Select(d => d.GetString()));
            Assert.Contains(found.GetProperty("entries").EnumerateArray(), e => e.GetProperty("action").GetString() == "download");
        }

        // A file refused for one row (no consent) after a valid one: neither person stays anywhere.
        const string refusedHeader = "nir;nom;prenom;date_naissance;telephone;email;siret_employeur;en_arret;date_debut_arret;motif;niveau_complexite;consentement;date_consentement;emetteur_nom;emetteur_contact\r\n";
        var refusedFile = refusedHeader
            + $"{RefusedNir};REFUSEE;Dominique;03/05/1985;06 00 00 00 02;{RefusedEmail};79402654223514;oui;02/01/2026;Restrictions;T2;oui;09/01/2026;Dr Anne Lefèvre;cellule-pdp@spsti.example\r\n"
            + $"{NoConsentNir};SANSACCORD;Alix;12/02/1990;06 00 00 00 03;alix.sansaccord@example.org;79402654223514;non;;Restrictions;T2;non;;Dr Anne Lefèvre;cellule-pdp@spsti.example\r\n";
        var refusedContent = new ByteArrayContent(Encoding.UTF8.GetBytes(refusedFile));
        refusedContent.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        const string rejected = "Fichier signalements-pdp de l'agent cist971-pdp refusé";
        var rejectedBefore = gateway.Logs.Containing(rejected).Count;
        var refused = await pdp.PostAsync("api/v1/datasets?type=signalements-pdp&to=cgss-guadeloupe&purpose=pdp", refusedContent);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);

        var search = await ClearTextSearch.SearchAsync(gateway, Nir, "camille.exemple@example.org", "EXEMPLE;Camille", "EXEMPLE",
            RefusedNir, RefusedEmail, "REFUSEE", NoConsentNir, "SANSACCORD");
        Assert.True(search.Found.Count == 0, "Found in clear:\n" + string.Join("\n", search.Found));
        // The search covered what there is: the database's tables (whatever the provider) with this
        // dataset in them, the payload, and the gateway's own Information lines about this upload.
        Assert.Contains("datasets", search.Tables);
        Assert.Contains("access_log_entries", search.Tables);
        Assert.Contains((await ClearTextSearch.SearchAsync(gateway, id)).Found, f => f.StartsWith("table datasets", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(gateway.Home, "payloads", id + ".cpom")));
        Assert.Single(gateway.Logs.Containing($"Jeu de données {id} enregistré (signalements-pdp, 1 ligne(s)), déposé par l'agent cist971-pdp."));
        Assert.Equal(rejectedBefore + 1, gateway.Logs.Containing(rejected).Count);
    }

    [Fact]
    public async Task Signalement_WithoutConsent_IsRefused_WithoutEchoingTheNir()
    {
        var sample = await File.ReadAllTextAsync(Path.Combine(GatewayFixture.SamplesDirectory, "signalements-pdp.csv"));
        var withoutConsent = sample.Replace(";T3A;oui;", ";T3A;non;", StringComparison.Ordinal).Replace("293116562420460", "293116562420461", StringComparison.Ordinal);
        using var pdp = gateway.ClientFor("cist971-pdp");
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(withoutConsent));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var response = await pdp.PostAsync("api/v1/datasets?type=signalements-pdp&to=cgss-guadeloupe&purpose=pdp", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("csv.bad-nir", body, StringComparison.Ordinal);
        Assert.Contains("consentement", body, StringComparison.Ordinal);
        Assert.DoesNotContain("293116562420461", body, StringComparison.Ordinal);
    }
}
