using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Registre;
using CpomExchange.Tests.Shared;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Gateway.Tests.Registre;

/// <summary>GET /api/v1/registre: the record of processing, for the organisation's DPO and for administrators only.</summary>
public sealed class RegistreApiTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task TheDpo_GetsTheSpreadsheetOfTheirOrganisation_WithOneRowPerProcessing_AndTheProductionIsLogged()
    {
        var policies = gateway.Services.GetRequiredService<PolicySet>();
        var expected = RegistreBuilder.Build(policies, "pst38", DateOnly.FromDateTime(DateTime.UtcNow), DateTimeOffset.UtcNow);
        Assert.NotEmpty(expected.Entries);
        using var client = gateway.ClientFor("pst38-dpo");
        using var response = await client.GetAsync("api/v1/registre?format=xlsx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
        using var document = SpreadsheetDocument.Open(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), isEditable: false);
        var sheet = document.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>().Single(s => s.Name == "Traitements");
        var rows = ((WorksheetPart)document.WorkbookPart.GetPartById(sheet.Id!)).Worksheet.Descendants<Row>().ToList();
        Assert.Equal(expected.Entries.Count + 1, rows.Count);
        var logged = await gateway.LogEntriesWhereAsync("pst38-dpo", "action=audit-read");
        Assert.Contains(logged, e => e.GetProperty("object").GetString() == "registre xlsx" && e.GetProperty("policy").GetString() == policies.Hash);
    }

    [Fact]
    public async Task TheJson_IsTheRecordOfTheCallersOrganisation()
    {
        using var client = gateway.ClientFor("carsat-ra-dpo");
        var json = await client.GetFromJsonAsync<JsonElement>("api/v1/registre?format=json");
        Assert.Equal("carsat-ra", json.GetProperty("controller").GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("pst38-dpo", "api/v1/registre?org=carsat-ra", HttpStatusCode.Forbidden, "policy.role-not-allowed")]
    [InlineData("pst38-agent", "api/v1/registre", HttpStatusCode.Forbidden, "policy.role-not-allowed")]
    [InlineData("pst38-pdp", "api/v1/policy/versions", HttpStatusCode.Forbidden, "policy.role-not-allowed")]
    [InlineData("admin", "api/v1/registre", HttpStatusCode.BadRequest, "request.missing-parameter")]
    [InlineData("admin", "api/v1/registre?org=nulle-part", HttpStatusCode.BadRequest, "request.unknown-organisation")]
    [InlineData("pst38-dpo", "api/v1/registre?format=pdf", HttpStatusCode.BadRequest, "registre.bad-format")]
    [InlineData("pst38-dpo", "api/v1/policy/diff?from=00000000&to=11111111", HttpStatusCode.NotFound, "policy.version-not-found")]
    public async Task Refusals(string identity, string path, HttpStatusCode status, string code)
    {
        using var client = gateway.ClientFor(identity);
        Assert.Equal(code, (await (await client.GetAsync(path)).ReadProblemAsync(status)).Code());
    }

    [Fact]
    public async Task AnAdministrator_GetsTheRecordOfAnyOrganisation()
    {
        using var client = gateway.ClientFor("admin");
        var markdown = await client.GetStringAsync("api/v1/registre?org=dreets-aura&format=md");
        Assert.StartsWith("# Registre des activités de traitement — DREETS", markdown, StringComparison.Ordinal);
    }
}
