using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Gateway.Notifications;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>Issue 20, who is told what: addresses per organisation and role (administrator), an agent's own address and events.</summary>
public sealed class NotificationAddressesTests(NotifyGatewayFixture gateway) : IClassFixture<NotifyGatewayFixture>
{
    [Fact]
    public async Task RoleAddresses_AndAnAgentsOwnChoice_DecideWhoReceives()
    {
        using var admin = gateway.ClientFor("admin");
        var set = await admin.PutAsJsonAsync("api/v1/admin/notifications/addresses/carsat-lr/agent", new { addresses = new[] { "accueil@carsat-lr.example" } });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        using (var agent = gateway.ClientFor("carsat-lr-agent"))
        {
            // The agent keeps only withdrawals for their own address.
            var own = await agent.PutAsJsonAsync("api/v1/me/notifications", new { address = "moi@carsat-lr.example", events = new[] { "file-withdrawn" } });
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
            var listed = (await own.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("addresses");
            Assert.Equal("moi@carsat-lr.example", Assert.Single(listed.EnumerateArray()).GetProperty("address").GetString());
        }

        var id = await (await gateway.PostCsvAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite",
            $"siret;raison_sociale\n{TestSirets.From(736_000_000).First()};A\n")).IdAsync();
        var received = await gateway.Smtp.WaitForAsync(m => m.Text.Contains(id, StringComparison.Ordinal));
        Assert.Equal(["accueil@carsat-lr.example"], received.EnvelopeTo);

        using (var prevy = gateway.ClientFor("prevy-agent"))
        {
            Assert.Equal(HttpStatusCode.OK, (await prevy.DeleteAsync($"api/v1/datasets/{id}")).StatusCode);
        }
        var withdrawn = await gateway.Smtp.WaitForAsync(m => m.Event == "file-withdrawn" && m.Text.Contains(id, StringComparison.Ordinal));
        Assert.Equal(["accueil@carsat-lr.example", "moi@carsat-lr.example"], withdrawn.EnvelopeTo);
        // One message for both, and neither reads the other's address: no header names either.
        var headers = string.Join('\n', withdrawn.Message.Headers.Select(h => h.Value));
        Assert.DoesNotContain("accueil@", headers, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("moi@", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(withdrawn.Message.To.Mailboxes.Concat(withdrawn.Message.Cc.Mailboxes).Concat(withdrawn.Message.Bcc.Mailboxes));
    }

    [Theory]
    [InlineData("prevy-agent", "{\"addresses\":[\"a@prevy.example\"]}", HttpStatusCode.Forbidden, "policy.role-not-allowed")]
    [InlineData("admin", "{\"addresses\":[\"a@prevy.example\\r\\nBcc: b@elsewhere.example\"]}", HttpStatusCode.BadRequest, "notify.invalid-address")]
    [InlineData("admin", "{\"addresses\":[\"Alice <a@prevy.example>\"]}", HttpStatusCode.BadRequest, "notify.invalid-address")]
    [InlineData("admin", "{\"addresses\":[\"a@prevy.example\"],\"events\":[\"everything\"]}", HttpStatusCode.BadRequest, "notify.unknown-event")]
    public async Task BadAddressChanges_AreRefused_WithTheirCode(string identity, string body, HttpStatusCode status, string code)
    {
        using var client = gateway.ClientFor(identity);
        var response = await client.PutAsync("api/v1/admin/notifications/addresses/prevy/agent", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(code, (await response.ReadProblemAsync(status)).Code());
        using var admin = gateway.ClientFor("admin");
        var all = await admin.GetFromJsonAsync<JsonElement>("api/v1/admin/notifications/addresses?organisation=prevy");
        Assert.DoesNotContain(all.GetProperty("addresses").EnumerateArray(), a => a.GetProperty("role").GetString() == "agent");
    }

    [Theory]
    [InlineData("smtp.example.com", "None", "Security=None n'est permis que pour un relais sur la boucle locale")]
    [InlineData("smtp.example.com", "Clear", "Security « Clear » inconnu")]
    [InlineData("127.0.0.1", "StartTls", "Notifications:From")]
    public void Settings_ThatWouldSendInClearOrToNobody_AreRefusedAtStart(string host, string security, string expected)
    {
        var options = new NotificationOptions { Smtp = new SmtpSettings { Host = host, Security = security }, From = host == "127.0.0.1" ? null : "a@b.example" };
        var result = new NotificationOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_WithStartTlsAndASender_AreAccepted()
    {
        var options = new NotificationOptions { Smtp = new SmtpSettings { Host = "smtp.example.com" }, From = "CpomExchange <noreply@cpom.example>" };
        Assert.True(new NotificationOptionsValidator().Validate(null, options).Succeeded);
    }
}
