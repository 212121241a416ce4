using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;

namespace CpomExchange.Gateway.Tests;

/// <summary>A gateway whose payloads are in Azure Blob Storage: the real emulator, Azurite, started for the run.</summary>
public sealed class BlobGatewayFixture : GatewayFixture
{
    public const string Container = "cpom-test-payloads";

    public Azurite Azurite { get; } = new();

    protected override void Configure(WebApplicationBuilder builder)
    {
        Azurite.InitializeAsync().GetAwaiter().GetResult();
        builder.Configuration["Storage:PayloadStore"] = "AzureBlob";
        builder.Configuration["Storage:AzureBlob:ConnectionString"] = Azurite.ConnectionString;
        builder.Configuration["Storage:AzureBlob:Container"] = Container;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}

/// <summary>Upload, download and withdrawal with the payloads in Blob Storage: encrypted there, gone when shredded.</summary>
public sealed class BlobStorageGatewayTests(BlobGatewayFixture gateway) : IClassFixture<BlobGatewayFixture>
{
    [Fact]
    public async Task UploadDownloadWithdraw_StoreEncryptedBlobs_AndShreddingDeletesThem()
    {
        var sample = await File.ReadAllBytesAsync(Path.Combine(GatewayFixture.SamplesDirectory, "adherents.csv"));
        using var prevy = gateway.ClientFor("prevy-agent");
        using var content = new ByteArrayContent(sample);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var response = await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", content);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var container = new BlobContainerClient(gateway.Azurite.ConnectionString, BlobGatewayFixture.Container);
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }
        Assert.Contains(id + ".cpom", names);
        Assert.Contains(id + ".subjects", names);
        // What is stored is ciphertext: no SIRET of the file appears in it.
        var stored = (await container.GetBlobClient(id + ".cpom").DownloadContentAsync()).Value.Content.ToArray();
        Assert.DoesNotContain("10433218419605", System.Text.Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(gateway.Home, "payloads")) && Directory.EnumerateFiles(Path.Combine(gateway.Home, "payloads"), "*.cpom").Any());

        using var carsat = gateway.ClientFor("carsat-lr-agent");
        var text = await carsat.GetStringAsync($"api/v1/datasets/{id}/content?purpose=sinistralite");
        Assert.Contains("10433218419605", text, StringComparison.Ordinal);

        var ready = await prevy.GetFromJsonAsync<JsonElement>("health/ready");
        Assert.True(ready.GetProperty("ready").GetBoolean(), ready.GetRawText());

        Assert.Equal(HttpStatusCode.OK, (await prevy.DeleteAsync($"api/v1/datasets/{id}")).StatusCode);
        Assert.False((await container.GetBlobClient(id + ".cpom").ExistsAsync()).Value);
        Assert.False((await container.GetBlobClient(id + ".subjects").ExistsAsync()).Value);
    }
}
