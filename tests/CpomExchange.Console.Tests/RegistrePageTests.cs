using System.IO.Compression;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Registre;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CpomExchange.Console.Tests;

/// <summary>
/// The record of processing in the console: the DPO reads their organisation's and downloads it in the four
/// formats (each production logged); an administrator chooses the organisation; anyone else, and a DPO asking
/// for another organisation's, gets 403.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class RegistrePageTests(ConsoleFixture console)
{
    private static string ParisDay() =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris")).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Dpo_ReadsTheRecordOfTheirOrganisation_AndDownloadsItInEveryFormat_EachProductionLogged()
    {
        var policies = console.Gateway.Services.GetRequiredService<PolicySet>();
        var expected = RegistreBuilder.Build(policies, "satm", DateOnly.Parse(ParisDay(), System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow);
        Assert.NotEmpty(expected.Entries);
        var page = await console.OpenAsync("satm-dpo", "/Registre");
        Assert.Equal("Registre des activités de traitement", await page.Locator("h1").InnerTextAsync());
        Assert.Equal(1, await page.Locator("nav a:has-text('Registre des traitements')").CountAsync());
        Assert.Equal("SATM", await page.Locator("#responsable").InnerTextAsync());
        Assert.Equal(0, await page.Locator("#org").CountAsync());
        var numbers = await page.Locator("#traitements tbody tr td:first-child").AllInnerTextsAsync();
        Assert.Equal(expected.Entries.Select(e => e.Number), numbers);
        Assert.Contains("dpo@satm.example", await page.Locator("#resume").InnerTextAsync(), StringComparison.Ordinal);
        await console.AssertAccessibleAsync(page);
        await ConsoleFixture.ScreenshotAsync(page, "registre");

        var xlsx = await DownloadAsync(page, ".xlsx");
        Assert.Equal($"registre-satm-{ParisDay()}.xlsx", xlsx.Name);
        using (var document = SpreadsheetDocument.Open(new MemoryStream(xlsx.Bytes), isEditable: false))
        {
            var sheet = document.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>().Single(s => s.Name == "Traitements");
            Assert.Equal(expected.Entries.Count + 1, ((WorksheetPart)document.WorkbookPart.GetPartById(sheet.Id!)).Worksheet.Descendants<Row>().Count());
        }
        var ods = await DownloadAsync(page, ".ods");
        Assert.Equal($"registre-satm-{ParisDay()}.ods", ods.Name);
        using (var zip = new ZipArchive(new MemoryStream(ods.Bytes), ZipArchiveMode.Read))
        {
            Assert.Equal("mimetype", zip.Entries[0].FullName);
            using var content = new StreamReader(zip.GetEntry("content.xml")!.Open());
            Assert.Contains("table:name=\"Traitements\"", await content.ReadToEndAsync(), StringComparison.Ordinal);
        }
        var markdown = await DownloadAsync(page, ".md");
        Assert.StartsWith("# Registre des activités de traitement — SATM", System.Text.Encoding.UTF8.GetString(markdown.Bytes), StringComparison.Ordinal);
        var json = await DownloadAsync(page, ".json");
        using (var parsed = JsonDocument.Parse(json.Bytes))
        {
            Assert.Equal(expected.Entries.Count, parsed.RootElement.GetProperty("entries").GetArrayLength());
            Assert.Equal("satm", parsed.RootElement.GetProperty("controller").GetProperty("id").GetString());
        }

        // The page and each download, in the organisation's log.
        using var client = console.Gateway.ClientFor("satm-dpo");
        var log = await client.GetFromJsonAsync<JsonElement>("api/v1/audit/entries?pageSize=1000&action=audit-read&agent=satm-dpo");
        var objects = log.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("object").GetString()).ToList();
        foreach (var what in new[] { "registre (console)", "registre xlsx", "registre ods", "registre md", "registre json" })
        {
            Assert.Contains(what, objects);
        }
    }

    private static async Task<(string Name, byte[] Bytes)> DownloadAsync(IPage page, string extension)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync($"#telechargements a:has-text('({extension})')"));
        using var stream = new MemoryStream();
        await (await download.CreateReadStreamAsync()).CopyToAsync(stream);
        return (download.SuggestedFilename, stream.ToArray());
    }

    [Fact]
    public async Task Administrator_ChoosesTheOrganisation_AndGetsItsRecord()
    {
        var page = await console.OpenAsync("admin", "/Registre");
        Assert.Equal(0, await page.Locator("#traitements").CountAsync());
        await console.AssertAccessibleAsync(page);
        await page.SelectOptionAsync("#org", "dreets-pdl");
        await page.ClickAsync("button:has-text('Afficher')");
        Assert.Contains("org=dreets-pdl", page.Url, StringComparison.Ordinal);
        Assert.Equal("DREETS Pays de la Loire", await page.Locator("#responsable").InnerTextAsync());
        var expected = RegistreBuilder.Build(console.Gateway.Services.GetRequiredService<PolicySet>(), "dreets-pdl",
            DateOnly.Parse(ParisDay(), System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow);
        Assert.Equal(expected.Entries.Count, await page.Locator("#traitements tbody tr").CountAsync());
        await console.AssertAccessibleAsync(page);
        var markdown = await DownloadAsync(page, ".md");
        Assert.Equal($"registre-dreets-pdl-{ParisDay()}.md", markdown.Name);
        Assert.StartsWith("# Registre des activités de traitement — DREETS Pays de la Loire", System.Text.Encoding.UTF8.GetString(markdown.Bytes), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "satm-agent", "/Registre" },
        { "satm-pdp", "/Registre" },
        { "carsat-pdl-service-social", "/Registre?handler=Telecharger&format=xlsx" },
        // A DPO asks for another organisation's record, on the page or as a download.
        { "satm-dpo", "/Registre?org=carsat-pdl" },
        { "satm-dpo", "/Registre?handler=Telecharger&format=json&org=carsat-pdl" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task AWrongRole_OrAnotherOrganisationsDpo_Gets403_AndNoRecord(string identity, string path)
    {
        var page = await console.OpenAsync(identity);
        var response = await page.GotoAsync(console.Origin + path);
        Assert.Equal(403, response!.Status);
        var main = await page.Locator("main").InnerTextAsync();
        Assert.Contains("policy.role-not-allowed", main, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#traitements").CountAsync());
        Assert.DoesNotContain("Carsat Pays de la Loire", main, StringComparison.Ordinal);
    }
}
