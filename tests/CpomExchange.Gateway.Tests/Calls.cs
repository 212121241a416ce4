using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>The calls the exchange tests make, as an agent would make them.</summary>
internal static class Calls
{
    public static ByteArrayContent Csv(string text)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    public static async Task<HttpResponseMessage> PostCsvAsync(this GatewayFixture gateway, string identity, string query, string csv)
    {
        using var client = gateway.ClientFor(identity);
        return await client.PostAsync("api/v1/datasets?" + query, Csv(csv));
    }

    public static async Task<string> IdAsync(this HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public static async Task<List<(long Line, string Code)>> RowErrorsAsync(this HttpResponseMessage response)
    {
        var problem = await response.ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        return problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt64(), e.GetProperty("code").GetString()!)).ToList();
    }

    public static async Task<JsonElement> MetadataAsync(this GatewayFixture gateway, string identity, string id)
    {
        using var client = gateway.ClientFor(identity);
        return await client.GetFromJsonAsync<JsonElement>($"api/v1/datasets/{id}");
    }

    public static async Task<string> ContentAsync(this GatewayFixture gateway, string identity, string id, string purpose)
    {
        using var client = gateway.ClientFor(identity);
        using var response = await client.GetAsync($"api/v1/datasets/{id}/content?purpose={purpose}");
        // Byte for byte: the BOM Excel needs is part of what is checked (ReadAsStringAsync would drop it).
        var body = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return body;
    }

    /// <summary>The entries of the log of <paramref name="dpo"/>'s organisation that concern dataset <paramref name="dataset"/>.</summary>
    public static async Task<List<JsonElement>> LogEntriesAsync(this GatewayFixture gateway, string dpo, string dataset)
    {
        using var client = gateway.ClientFor(dpo);
        var page = await client.GetFromJsonAsync<JsonElement>($"api/v1/audit/entries?pageSize=1000&dataset={dataset}");
        return page.GetProperty("entries").EnumerateArray().ToList();
    }

    /// <summary>The entries of the log of <paramref name="dpo"/>'s organisation that match <paramref name="query"/> (audit filters).</summary>
    public static async Task<List<JsonElement>> LogEntriesWhereAsync(this GatewayFixture gateway, string dpo, string query)
    {
        using var client = gateway.ClientFor(dpo);
        var page = await client.GetFromJsonAsync<JsonElement>($"api/v1/audit/entries?pageSize=1000&{query}");
        return page.GetProperty("entries").EnumerateArray().ToList();
    }

    /// <summary>Action, outcome and reason of a log entry, to compare exactly.</summary>
    public static string Summary(this JsonElement entry) =>
        $"{entry.GetProperty("action").GetString()} {entry.GetProperty("exchange").GetString()} {entry.GetProperty("outcome").GetString()} {(entry.GetProperty("reason").ValueKind == JsonValueKind.Null ? "-" : entry.GetProperty("reason").GetString())}";
}
