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

    [Fact]
    public async Task Signalement_IsStoredEncrypted_AndNoNirOrNameAppearsAnywhereInTheState()
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

        CpomExchange.Infrastructure.Storage.CpomDatabase.ClearPools();
        foreach (var file in Directory.EnumerateFiles(gateway.Home, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory);
            var bytes = memory.ToArray();
            foreach (var secret in new[] { Nir, "camille.exemple@example.org", "EXEMPLE;Camille" })
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"{file} holds « {secret} » in clear.");
            }
        }
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
