using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace CpomExchange.Gateway.Tests;

/// <summary>A gateway whose keys are in (a WireMock.Net copy of) Azure Key Vault, speaking the real wire protocol.</summary>
public sealed class KeyVaultGatewayFixture : GatewayFixture
{
    public KeyVaultMock Vault { get; } = new();

    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IKeyProvider>(Vault.CreateProvider(configure: o => o.OperationTimeout = TimeSpan.FromSeconds(2)));
        // Readiness recomputed at every call, so that the vault's outage shows at once (its sharing is ReadinessTests').
        builder.Configuration["Cpom:Health:ReadinessInterval"] = "00:00:00";
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Vault.Dispose();
    }
}

/// <summary>End to end on the key vault, then its faults: 503 keys.unavailable, nothing stored, and recovery without restart.</summary>
public sealed class KeyVaultGatewayTests(KeyVaultGatewayFixture gateway) : IClassFixture<KeyVaultGatewayFixture>
{
    private static ByteArrayContent Csv(string siret)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes($"siret;raison_sociale\n{siret};ENTREPRISE\n"));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    private async Task<HttpResponseMessage> UploadAsync(string siret = "10433218419605")
    {
        using var prevy = gateway.ClientFor("prevy-agent");
        return await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", Csv(siret));
    }

    private async Task<(int Datasets, int Files)> StateAsync()
    {
        await using var db = await gateway.OpenDatabaseAsync();
        var files = Directory.EnumerateFiles(Path.Combine(gateway.Home, "payloads"), "*", SearchOption.AllDirectories).Count();
        return (await db.Datasets.CountAsync(), files);
    }

    [Fact]
    public async Task EndToEnd_OnTheVault_PayloadsAndLogCheckpointsUseItsKeys()
    {
        var response = await UploadAsync();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        // The data keys are wrapped by the vault's key, and kept in the database, not in the files.
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            var row = await db.Datasets.SingleAsync(d => d.Id == id);
            Assert.Contains($"/keys/{KeyVaultMock.KekName}/", row.PayloadKeyId, StringComparison.Ordinal);
            Assert.Contains($"/keys/{KeyVaultMock.KekName}/", row.SubjectsKeyId, StringComparison.Ordinal);
        }
        var file = await File.ReadAllBytesAsync(Path.Combine(gateway.Home, "payloads", id + ".cpom"));
        Assert.Equal(-1, file.AsSpan().IndexOf(Encoding.ASCII.GetBytes($"/keys/{KeyVaultMock.KekName}/")));

        using var carsat = gateway.ClientFor("carsat-lr-agent");
        Assert.Contains("10433218419605", await carsat.GetStringAsync($"api/v1/datasets/{id}/content?purpose=sinistralite"), StringComparison.Ordinal);

        for (var i = 0; i < 4; i++)
        {
            await carsat.GetAsync("api/v1/inbox");
        }
        using var dpo = gateway.ClientFor("carsat-lr-dpo");
        var verification = await dpo.GetFromJsonAsync<JsonElement>("api/v1/audit/verify");
        Assert.True(verification.GetProperty("valid").GetBoolean(), verification.GetRawText());
        Assert.True(verification.GetProperty("checkpointsChecked").GetInt32() >= 1);
        Assert.Contains($"/keys/{KeyVaultMock.SigningName}/", verification.GetProperty("latestCheckpoint").GetProperty("keyId").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string> Faults() => new() { "500", "429", "delay", "malformed-json", "connection-dropped", "401" };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task VaultFault_Gives503KeysUnavailable_NothingHalfWritten_AndServiceResumes(string fault)
    {
        // A dataset stored while the vault answers, to download during the outage.
        var stored = await UploadAsync("01338908538633");
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        var id = (await stored.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var before = await StateAsync();

        var mapping = Guid.NewGuid();
        var request = Request.Create().WithPath("/keys/*");
        switch (fault)
        {
            case "connection-dropped":
                gateway.Vault.DropConnections = true;
                break;
            default:
                var response = fault switch
                {
                    "500" => Response.Create().WithStatusCode(500),
                    "429" => Response.Create().WithStatusCode(429).WithHeader("Retry-After", "1"),
                    "delay" => Response.Create().WithStatusCode(200).WithBody("{}").WithDelay(TimeSpan.FromSeconds(5)),
                    "malformed-json" => Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("{\"kid\": "),
                    _ => Response.Create().WithStatusCode(401),
                };
                gateway.Vault.Server.Given(request).WithGuid(mapping).AtPriority(1).RespondWith(response);
                break;
        }
        try
        {
            var upload = await UploadAsync();
            var problem = await upload.ReadProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("keys.unavailable", problem.Code());
            Assert.Equal(TimeSpan.FromSeconds(30), upload.Headers.RetryAfter?.Delta);
            Assert.Equal(before, await StateAsync());
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(gateway.Home, "payloads", "tmp")));

            using var carsat = gateway.ClientFor("carsat-lr-agent");
            var download = await carsat.GetAsync($"api/v1/datasets/{id}/content?purpose=sinistralite");
            Assert.Equal("keys.unavailable", (await download.ReadProblemAsync(HttpStatusCode.ServiceUnavailable)).Code());
            Assert.Equal(TimeSpan.FromSeconds(30), download.Headers.RetryAfter?.Delta);
            var ready = await carsat.GetAsync("health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("\"name\":\"fournisseur de clés\",\"ready\":false", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            gateway.Vault.DropConnections = false;
            gateway.Vault.Server.DeleteMapping(mapping);
        }

        // The vault answers again: service resumes by itself, no restart.
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync("79402654223514")).StatusCode);
        using var again = gateway.ClientFor("carsat-lr-agent");
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync($"api/v1/datasets/{id}/content?purpose=sinistralite")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("health/ready")).StatusCode);
    }
}
