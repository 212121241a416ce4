using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>A gateway whose document size limit is small enough to test it (64 Kio).</summary>
public sealed class DocumentsFixture : GatewayFixture
{
    public const int MaxDocumentBytes = 64 * 1024;

    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Configuration["Cpom:Limits:MaxDocumentBytes"] = MaxDocumentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// The <c>document</c> exchange over real mTLS: a PDF goes through the upload route with its own type
/// and a title, is stored encrypted, listed and downloaded byte for byte by its recipient, logged under
/// both controllers; every hostile document of tests/Corpus/documents.tsv is refused with its code,
/// nothing stored, the refusal logged.
/// </summary>
public sealed class DocumentExchangeTests(DocumentsFixture gateway) : IClassFixture<DocumentsFixture>
{
    internal const string Query = "type=document&to=carsat-pdl&purpose=documents-cpom";

    internal static byte[] SamplePdf => File.ReadAllBytes(Path.Combine(TestPaths.RepositoryRoot, "tests", "Samples", "document.pdf"));

    private static string CorpusDirectory => Path.Combine(TestPaths.RepositoryRoot, "tests", "Corpus", "documents");

    internal static ByteArrayContent Document(byte[] bytes, string contentType = "application/pdf")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    internal static async Task<HttpResponseMessage> PostDocumentAsync(GatewayFixture gateway, string identity, string query, byte[] bytes, string contentType = "application/pdf")
    {
        using var client = gateway.ClientFor(identity);
        return await client.PostAsync("api/v1/datasets?" + query, Document(bytes, contentType));
    }

    [Fact]
    public async Task APdf_IsStoredEncrypted_ListedWithItsTitle_DownloadedIdentical_AndLoggedUnderBothControllers()
    {
        var pdf = SamplePdf;
        using var response = await PostDocumentAsync(gateway, "satm-agent", Query + "&title=" + Uri.EscapeDataString("Bilan annuel 2025 – volet 1b"), pdf);
        var id = await response.IdAsync();
        var created = await gateway.MetadataAsync("satm-agent", id);
        Assert.Equal("Bilan annuel 2025 – volet 1b", created.GetProperty("title").GetString());
        Assert.Equal("application/pdf", created.GetProperty("mediaType").GetString());
        Assert.Equal(0, created.GetProperty("rows").GetInt64());
        Assert.Equal(pdf.Length, created.GetProperty("size").GetInt64());

        // Encrypted at rest: the stored file is not the PDF.
        var stored = await File.ReadAllBytesAsync(Path.Combine(gateway.Home, "payloads", id + ".cpom"));
        Assert.Equal(-1, stored.AsSpan().IndexOf("%PDF-"u8));
        Assert.Equal(-1, stored.AsSpan().IndexOf("Bilan annuel"u8));

        using var carsat = gateway.ClientFor("carsat-pdl-agent");
        var inbox = await carsat.GetFromJsonAsync<JsonElement>("api/v1/inbox");
        var listed = Assert.Single(inbox.GetProperty("datasets").EnumerateArray(), d => d.GetProperty("id").GetString() == id);
        Assert.Equal("Bilan annuel 2025 – volet 1b", listed.GetProperty("title").GetString());

        using var download = await carsat.GetAsync($"api/v1/datasets/{id}/content?purpose=documents-cpom");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"document-{id}.pdf", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(pdf, await download.Content.ReadAsByteArrayAsync());

        foreach (var dpo in new[] { "satm-dpo", "carsat-pdl-dpo" })
        {
            var entries = await gateway.LogEntriesAsync(dpo, id);
            Assert.Single(entries, e => e.GetProperty("action").GetString() == "upload" && e.GetProperty("outcome").GetString() == "allowed");
            Assert.Single(entries, e => e.GetProperty("action").GetString() == "download" && e.GetProperty("outcome").GetString() == "allowed");
        }
    }

    [Fact]
    public async Task AnOdt_IsAccepted_AndDeliveredAsOdt()
    {
        var odt = await File.ReadAllBytesAsync(Path.Combine(CorpusDirectory, "document-clean.odt"));
        using var response = await PostDocumentAsync(gateway, "satm-agent", Query + "&title=Fiche", odt, "application/vnd.oasis.opendocument.text");
        var id = await response.IdAsync();
        using var carsat = gateway.ClientFor("carsat-pdl-agent");
        using var download = await carsat.GetAsync($"api/v1/datasets/{id}/content?purpose=documents-cpom");
        Assert.Equal("application/vnd.oasis.opendocument.text", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"document-{id}.odt", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(odt, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task TheDreets_ReceivesTheReviewsItsContractSendsIt_ButNotUnderAContractThatKeepsDocumentsBetweenSpstiAndCaisse()
    {
        using (var toDreets = await PostDocumentAsync(gateway, "satm-agent", "type=document&to=dreets-pdl&purpose=documents-cpom&title=Bilan%20final", SamplePdf))
        {
            await toDreets.IdAsync();
        }
        // Seed 004 names no document for the DREETS: its contract opens the exchange to SPSTI and caisse only.
        using var refused = await PostDocumentAsync(gateway, "pst38-agent", "type=document&to=dreets-aura&purpose=documents-cpom&title=Fiche", SamplePdf);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task ADocument_IsNeitherARowNorASubject_ItsIndexIsEmpty()
    {
        using var response = await PostDocumentAsync(gateway, "satm-agent", Query + "&title=Relev%C3%A9", SamplePdf);
        var id = await response.IdAsync();
        await using var db = await gateway.OpenDatabaseAsync();
        var row = await db.Datasets.AsNoTracking().SingleAsync(d => d.Id == id);
        Assert.Equal(0, row.Rows);
        Assert.Equal("document", row.Type);
        var subjects = await CpomExchange.Infrastructure.Payloads.DatasetFiles.ReadSubjectsAsync(
            new CpomExchange.Infrastructure.Payloads.FolderPayloadStore(Path.Combine(gateway.Home, "payloads")),
            new CpomExchange.Infrastructure.Keys.LocalKeyProvider(Path.Combine(gateway.Home, "keys")), row);
        Assert.Empty(subjects);
    }

    [Theory]
    [InlineData("", "document.missing-title")]
    [InlineData("&title=", "document.missing-title")]
    [InlineData("&title=Liste%20104332184", "document.bad-title")]
    [InlineData("&title=Bilan%0Afinal", "document.bad-title")]
    public async Task ADocumentWithoutAUsableTitle_IsRefused(string title, string code)
    {
        using var response = await PostDocumentAsync(gateway, "satm-agent", Query + title, SamplePdf);
        Assert.Equal(code, (await response.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());
    }

    [Fact]
    public async Task ATitle_OnACsvExchange_IsRefused()
    {
        using var response = await gateway.PostCsvAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite&title=x", "siret\n10433218419605\n");
        Assert.Equal("document.bad-title", (await response.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());
    }

    public static TheoryData<string, string, string, int> Hostile()
    {
        var data = new TheoryData<string, string, string, int>();
        foreach (var line in File.ReadAllLines(Path.Combine(TestPaths.RepositoryRoot, "tests", "Corpus", "documents.tsv")).Skip(1).Where(l => l.Length > 0))
        {
            var f = line.Split('\t');
            data.Add(f[0], f[1], f[2], int.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture));
        }
        return data;
    }

    private static byte[] HostileContent(string file) => file switch
    {
        "sample:document.pdf" => SamplePdf,
        // A PDF one byte over the limit: the size is refused before anything else is looked at.
        "generated:oversize.pdf" => [.. SamplePdf, .. Encoding.ASCII.GetBytes("%" + new string('x', DocumentsFixture.MaxDocumentBytes - SamplePdf.Length))],
        _ => File.ReadAllBytes(Path.Combine(CorpusDirectory, file)),
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task AHostileDocument_IsRefusedWithItsCode_NothingStored_RefusalLogged(string file, string declared, string code, int status)
    {
        int datasetsBefore;
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            datasetsBefore = await db.Datasets.CountAsync();
        }
        var deniedBefore = await DeniedUploadsAsync("satm-dpo");
        var payloadsBefore = PayloadFiles();

        var bytes = HostileContent(file);
        if (file == "generated:oversize.pdf")
        {
            Assert.Equal(DocumentsFixture.MaxDocumentBytes + 1, bytes.Length);
        }
        using var response = await PostDocumentAsync(gateway, "satm-agent", Query + "&title=Document", bytes, declared);
        var problem = await response.ReadProblemAsync((HttpStatusCode)status);
        Assert.Equal(code, problem.Code());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));

        await using (var db = await gateway.OpenDatabaseAsync())
        {
            Assert.Equal(datasetsBefore, await db.Datasets.CountAsync());
        }
        Assert.Equal(payloadsBefore, PayloadFiles());
        Assert.Equal(deniedBefore + 1, await DeniedUploadsAsync("satm-dpo"));
    }

    [Fact]
    public async Task ADocumentExactlyAtTheLimit_IsAccepted()
    {
        // The oversize case's control: a real PDF of exactly the limit passes.
        var atLimit = TestPdf.OfSize(DocumentsFixture.MaxDocumentBytes);
        Assert.Equal(DocumentsFixture.MaxDocumentBytes, atLimit.Length);
        using var response = await PostDocumentAsync(gateway, "satm-agent", Query + "&title=Limite", atLimit);
        await response.IdAsync();
    }

    private string[] PayloadFiles() =>
        [.. Directory.EnumerateFiles(Path.Combine(gateway.Home, "payloads"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    private async Task<long> DeniedUploadsAsync(string dpo)
    {
        using var client = gateway.ClientFor(dpo);
        var page = await client.GetFromJsonAsync<JsonElement>("api/v1/audit/entries?action=upload&outcome=denied&pageSize=1");
        return page.GetProperty("total").GetInt64();
    }
}
