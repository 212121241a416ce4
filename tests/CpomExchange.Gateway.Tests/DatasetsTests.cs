using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>The <c>adherents</c> exchange end to end through the real gateway.</summary>
public sealed class DatasetsTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private const string UploadToCarsatLr = "api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite";

    private static ByteArrayContent Csv(string text, Encoding? encoding = null) => Csv((encoding ?? new UTF8Encoding(false)).GetBytes(text));

    private static ByteArrayContent Csv(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    private static byte[] Sample(string name) => File.ReadAllBytes(Path.Combine(GatewayFixture.SamplesDirectory, name));

    private async Task<DatasetShape> UploadSampleAsync(string sample = "adherents.csv")
    {
        using var prevy = gateway.ClientFor("prevy-agent");
        var response = await prevy.PostAsync(UploadToCarsatLr, Csv(Sample(sample)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<DatasetShape>())!;
    }

    [Fact]
    public async Task HappyPath_UploadListDownload()
    {
        using var prevy = gateway.ClientFor("prevy-agent");
        var response = await prevy.PostAsync(UploadToCarsatLr + "&object=CPOM-2025-art6", Csv(Sample("adherents.csv")));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<DatasetShape>())!;
        Assert.Equal("adherents", created.Type);
        Assert.Equal("prevy", created.From);
        Assert.Equal("carsat-lr", created.To);
        Assert.Equal("sinistralite", created.Purpose);
        Assert.Equal("CPOM-2025-art6", created.Object);
        Assert.Equal(8, created.Rows);
        Assert.Equal(64, created.Sha256.Length);
        Assert.Equal($"/api/v1/datasets/{created.Id}", response.Headers.Location?.OriginalString);

        using var carsat = gateway.ClientFor("carsat-lr-agent");
        var inbox = (await carsat.GetFromJsonAsync<InboxShape>("api/v1/inbox"))!;
        Assert.Contains(inbox.Datasets, d => d.Id == created.Id);

        var metadata = (await carsat.GetFromJsonAsync<DatasetShape>($"api/v1/datasets/{created.Id}"))!;
        Assert.Equal(created.Sha256, metadata.Sha256);

        var download = await carsat.GetAsync($"api/v1/datasets/{created.Id}/content?purpose=sinistralite");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("text/csv", download.Content.Headers.ContentType?.MediaType);
        var bytes = await download.Content.ReadAsByteArrayAsync();
        Assert.Equal(created.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var text = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("siret;raison_sociale;code_naf;effectif;code_postal", lines[0]);
        Assert.Equal(9, lines.Length);
        Assert.Equal("10433218419605;BOULANGERIE DU CENTRE;10.71C;12;53000", lines[1]);
    }

    [Fact]
    public async Task ExcelWindows1252File_IsDecodedAndNormalised()
    {
        var created = await UploadSampleAsync("adherents-excel-1252.csv");
        Assert.Equal(2, created.Rows);
        using var carsat = gateway.ClientFor("carsat-lr-agent");
        var text = await carsat.GetStringAsync($"api/v1/datasets/{created.Id}/content?purpose=sinistralite");
        Assert.Contains("10433218419605;SOCIÉTÉ GÉNÉRALE DES EAUX;36.00Z;210;53000", text, StringComparison.Ordinal);
        Assert.Contains("01338908538633;\"SARL \"\"LE RELAIS\"\"\";56.10A;9;53100", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FormulaCells_AreNeutralisedInTheCsvHandedBack()
    {
        using var prevy = gateway.ClientFor("prevy-agent");
        var response = await prevy.PostAsync(UploadToCarsatLr, Csv("siret;raison_sociale\n10433218419605;=1+1\n01338908538633;@SUM(A1)\n"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<DatasetShape>())!;
        using var carsat = gateway.ClientFor("carsat-lr-agent");
        var text = await carsat.GetStringAsync($"api/v1/datasets/{created.Id}/content?purpose=sinistralite");
        Assert.Contains("10433218419605;\"'=1+1\";", text, StringComparison.Ordinal);
        Assert.Contains("01338908538633;\"'@SUM(A1)\";", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThirdOrganisation_CannotSeeOrReadTheDataset()
    {
        var created = await UploadSampleAsync();
        using var satm = gateway.ClientFor("satm-agent");
        var inbox = (await satm.GetFromJsonAsync<InboxShape>("api/v1/inbox"))!;
        Assert.DoesNotContain(inbox.Datasets, d => d.Id == created.Id);
        var metadata = await satm.GetAsync($"api/v1/datasets/{created.Id}");
        Assert.Equal("dataset.not-found", (await metadata.ReadProblemAsync(HttpStatusCode.NotFound)).Code());
        var content = await satm.GetAsync($"api/v1/datasets/{created.Id}/content?purpose=sinistralite");
        Assert.Equal("dataset.not-found", (await content.ReadProblemAsync(HttpStatusCode.NotFound)).Code());
        // The DREETS of the same contract does not receive company lists either.
        using var dreets = gateway.ClientFor("dreets-occitanie-agent");
        var dreetsContent = await dreets.GetAsync($"api/v1/datasets/{created.Id}/content?purpose=sinistralite");
        Assert.Equal("dataset.not-found", (await dreetsContent.ReadProblemAsync(HttpStatusCode.NotFound)).Code());
    }

    [Fact]
    public async Task Sender_ReadsMetadata_ButNotContent()
    {
        var created = await UploadSampleAsync();
        using var prevy = gateway.ClientFor("prevy-agent");
        var metadata = await prevy.GetAsync($"api/v1/datasets/{created.Id}");
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        var content = await prevy.GetAsync($"api/v1/datasets/{created.Id}/content?purpose=sinistralite");
        Assert.Equal("policy.direction-not-allowed", (await content.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
    }

    [Fact]
    public async Task Dpo_CannotDownloadPayloads()
    {
        var created = await UploadSampleAsync();
        using var dpo = gateway.ClientFor("carsat-lr-dpo");
        var content = await dpo.GetAsync($"api/v1/datasets/{created.Id}/content?purpose=sinistralite");
        Assert.Equal("policy.role-not-allowed", (await content.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
    }

    [Fact]
    public async Task Download_ForAnotherPurpose_IsRefused()
    {
        var created = await UploadSampleAsync();
        using var carsat = gateway.ClientFor("carsat-lr-agent");
        var missing = await carsat.GetAsync($"api/v1/datasets/{created.Id}/content");
        Assert.Equal("request.missing-purpose", (await missing.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());
        var other = await carsat.GetAsync($"api/v1/datasets/{created.Id}/content?purpose=indicateurs");
        Assert.Equal("policy.purpose-not-allowed", (await other.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
        var sibling = await carsat.GetAsync($"api/v1/datasets/{created.Id}/content?purpose=ciblage");
        Assert.Equal("policy.purpose-not-allowed", (await sibling.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
    }

    [Theory]
    [InlineData("prevy-agent", "api/v1/datasets?type=adherents&to=carsat-lr", HttpStatusCode.BadRequest, "request.missing-purpose")]
    [InlineData("prevy-agent", "api/v1/datasets?type=adherents&to=carsat-lr&purpose=indicateurs", HttpStatusCode.Forbidden, "policy.purpose-not-allowed")]
    [InlineData("prevy-agent", "api/v1/datasets?type=adherents&to=carsat-pdl&purpose=sinistralite", HttpStatusCode.Forbidden, "policy.no-contract")]
    [InlineData("satm-agent", "api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", HttpStatusCode.Forbidden, "policy.no-contract")]
    [InlineData("carsat-lr-agent", "api/v1/datasets?type=adherents&to=prevy&purpose=sinistralite", HttpStatusCode.Forbidden, "policy.direction-not-allowed")]
    [InlineData("prevy-agent", "api/v1/datasets?type=adherents&to=dreets-occitanie&purpose=sinistralite", HttpStatusCode.Forbidden, "policy.direction-not-allowed")]
    [InlineData("prevy-dpo", "api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", HttpStatusCode.Forbidden, "policy.role-not-allowed")]
    [InlineData("admin", "api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", HttpStatusCode.Forbidden, "policy.no-organisation")]
    [InlineData("prevy-agent", "api/v1/datasets?type=bulletins&to=carsat-lr&purpose=sinistralite", HttpStatusCode.BadRequest, "request.unknown-exchange")]
    [InlineData("prevy-agent", "api/v1/datasets?type=adherents&to=nowhere&purpose=sinistralite", HttpStatusCode.BadRequest, "request.unknown-organisation")]
    public async Task Upload_IsRefused_WithStableCode(string identity, string url, HttpStatusCode status, string code)
    {
        var before = await CountDatasetsAsync();
        using var client = gateway.ClientFor(identity);
        var response = await client.PostAsync(url, Csv(Sample("adherents.csv")));
        var problem = await response.ReadProblemAsync(status);
        Assert.Equal(code, problem.Code());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Equal(before, await CountDatasetsAsync());
    }

    [Fact]
    public async Task Upload_WithTooLongObject_IsRefused()
    {
        using var prevy = gateway.ClientFor("prevy-agent");
        var response = await prevy.PostAsync(UploadToCarsatLr + "&object=" + new string('x', 81), Csv(Sample("adherents.csv")));
        Assert.Equal("request.object-too-long", (await response.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());
    }

    [Fact]
    public async Task Upload_GzipBody_IsRefused()
    {
        using var prevy = gateway.ClientFor("prevy-agent");
        var content = Csv(Sample("adherents.csv"));
        content.Headers.ContentEncoding.Add("gzip");
        var response = await prevy.PostAsync(UploadToCarsatLr, content);
        Assert.Equal("request.unsupported-media-type", (await response.ReadProblemAsync(HttpStatusCode.UnsupportedMediaType)).Code());
    }

    [Fact]
    public async Task InvalidFile_IsRejectedWholeWithEveryBadLine_AndLeavesNothingBehind()
    {
        var before = await CountDatasetsAsync();
        var payloadsBefore = PayloadFiles();
        using var prevy = gateway.ClientFor("prevy-agent");
        var csv = "siret;raison_sociale;code_naf;effectif;code_postal\r\n"
            + "10433218419605;OK;10.71C;12;53000\r\n"
            + "10433218419606;MAUVAISE CLE;10.71C;12;53000\r\n"
            + "01338908538633;OK;49.41A;douze;53100\r\n"
            + "10433218419605;DOUBLON;10.71C;12;53000\r\n";
        var response = await prevy.PostAsync(UploadToCarsatLr, Csv(csv));
        var problem = await response.ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("csv.invalid-file", problem.Code());
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => (
            Line: e.GetProperty("line").GetInt64(),
            Column: e.GetProperty("column").GetString(),
            Code: e.GetProperty("code").GetString(),
            Reason: e.GetProperty("reason").GetString())).ToList();
        Assert.Equal(3, errors.Count);
        Assert.Contains((3L, "siret", "csv.bad-siret"), errors.Select(e => (e.Line, e.Column, e.Code)));
        Assert.Contains((4L, "effectif", "csv.bad-integer"), errors.Select(e => (e.Line, e.Column, e.Code)));
        Assert.Contains((5L, "siret", "csv.duplicate-siret"), errors.Select(e => (e.Line, e.Column, e.Code)));
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason)));

        Assert.Equal(before, await CountDatasetsAsync());
        Assert.Equal(payloadsBefore, PayloadFiles());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(gateway.Home, "payloads", "tmp")));
    }

    [Fact]
    public async Task StoredState_DatabaseAndLogs_HoldNoIdentifierInClear_EvenOfARefusedFile()
    {
        const string siret = "79402654223514";
        const string name = "EHPAD LES TILLEULS";
        var created = await UploadSampleAsync();
        // A file refused for its second row: its valid first row was read, checked and pseudonymised before.
        var refusedSiret = TestSirets.From(700_000_000).First();
        const string refusedName = "SOCIETE REFUSEE DU TEST";
        using var prevy = gateway.ClientFor("prevy-agent");
        var refused = await prevy.PostAsync(UploadToCarsatLr, Csv($"siret;raison_sociale\r\n{refusedSiret};{refusedName}\r\n12345678901234;AUTRE\r\n"));
        Assert.Equal("csv.invalid-file", (await refused.ReadProblemAsync(HttpStatusCode.UnprocessableEntity)).Code());

        var search = await ClearTextSearch.SearchAsync(gateway, siret, name, refusedSiret, refusedName);
        Assert.True(search.Found.Count == 0, "Found in clear:\n" + string.Join("\n", search.Found));
        // The search covered what there is: the dataset's row in the database (whatever the provider),
        // its payload, and the gateway's Information line about it.
        Assert.Contains((await ClearTextSearch.SearchAsync(gateway, created.Id)).Found, f => f.StartsWith("table datasets", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(gateway.Home, "payloads", created.Id + ".cpom")));
        Assert.Single(gateway.Logs.Containing($"Jeu de données {created.Id} enregistré (adherents, 8 ligne(s)), déposé par l'agent prevy-agent."));
    }

    [Fact]
    public async Task TamperedPayload_FailsLoudly_AndSendsNothing()
    {
        var created = await UploadSampleAsync();
        var file = Path.Combine(gateway.Home, "payloads", created.Id + ".cpom");
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[^20] ^= 0x01;
        await File.WriteAllBytesAsync(file, bytes);
        using var carsat = gateway.ClientFor("carsat-lr-agent");
        var response = await carsat.GetAsync($"api/v1/datasets/{created.Id}/content?purpose=sinistralite");
        Assert.Equal("dataset.corrupted", (await response.ReadProblemAsync(HttpStatusCode.InternalServerError)).Code());
    }

    [Fact]
    public async Task LargeFile_StreamsThroughManySegments_AndTruncationIsDetected()
    {
        // ~40,000 rows: several 64 KiB encrypted segments.
        var csv = new StringBuilder("siret;raison_sociale\r\n");
        var rows = 0;
        for (var siren = 100_000_000; rows < 40_000; siren++)
        {
            var candidate = siren.ToString(System.Globalization.CultureInfo.InvariantCulture) + "00010";
            for (var check = 0; check < 10; check++)
            {
                var siret = candidate[..13] + check;
                if (CpomExchange.Rules.Identifiers.Siret.IsValid(siret) && CpomExchange.Rules.Identifiers.Luhn.IsValid(siret.AsSpan(0, 9)))
                {
                    csv.Append(siret).Append(";ENTREPRISE ").Append(rows).Append("\r\n");
                    rows++;
                    break;
                }
            }
        }
        using var prevy = gateway.ClientFor("prevy-agent");
        var response = await prevy.PostAsync(UploadToCarsatLr, Csv(csv.ToString()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<DatasetShape>())!;
        Assert.Equal(rows, created.Rows);
        Assert.True(created.Size > 3 * 64 * 1024);

        using var carsat = gateway.ClientFor("carsat-lr-agent");
        var bytes = await carsat.GetByteArrayAsync($"api/v1/datasets/{created.Id}/content?purpose=sinistralite");
        Assert.Equal(created.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));

        // Swap two whole segments: each authenticates only at its own place.
        var original = await File.ReadAllBytesAsync(Path.Combine(gateway.Home, "payloads", created.Id + ".cpom"));
        var headerLength = CpomExchange.Infrastructure.Payloads.PayloadCipher.FixedHeaderSize; // format 2: no key in the file
        const int chunk = 64 * 1024 + 16;
        var swapped = (byte[])original.Clone();
        original.AsSpan(headerLength, chunk).CopyTo(swapped.AsSpan(headerLength + chunk));
        original.AsSpan(headerLength + chunk, chunk).CopyTo(swapped.AsSpan(headerLength));
        await File.WriteAllBytesAsync(Path.Combine(gateway.Home, "payloads", created.Id + ".cpom"), swapped);
        var swappedResponse = await carsat.GetAsync($"api/v1/datasets/{created.Id}/content?purpose=sinistralite");
        Assert.Equal("dataset.corrupted", (await swappedResponse.ReadProblemAsync(HttpStatusCode.InternalServerError)).Code());
        await File.WriteAllBytesAsync(Path.Combine(gateway.Home, "payloads", created.Id + ".cpom"), original);

        // Drop the last segment: the gateway must not serve the rest as if it were complete. The
        // first segments have left by the time the missing end is found, so the answer starts as a
        // 200 and is then cut: the client gets a transport error and fewer bytes than announced.
        var file = Path.Combine(gateway.Home, "payloads", created.Id + ".cpom");
        var stored = await File.ReadAllBytesAsync(file);
        var lastSegment = (int)(created.Size % (64 * 1024)) + 16;
        await File.WriteAllBytesAsync(file, stored[..^lastSegment]);
        using var truncated = await carsat.GetAsync($"api/v1/datasets/{created.Id}/content?purpose=sinistralite", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, truncated.StatusCode);
        using var received = new MemoryStream();
        // Only a transport failure counts as "cut": an assertion failure or a complete body does not.
        var cut = await Record.ExceptionAsync(() => truncated.Content.CopyToAsync(received));
        Assert.True(cut is HttpRequestException or IOException,
            $"A truncated payload was served as complete ({received.Length} of {created.Size} bytes, {cut?.GetType().Name ?? "no error"}).");
        Assert.True(received.Length < created.Size, $"{received.Length} bytes received of {created.Size}.");
        Assert.NotEqual(created.Sha256, Convert.ToHexStringLower(SHA256.HashData(received.ToArray())));
        // What was announced: a client that counts bytes sees the shortfall even without the cut.
        Assert.Equal(created.Size, truncated.Content.Headers.ContentLength);
    }

    private async Task<int> CountDatasetsAsync()
    {
        await using var db = await gateway.OpenDatabaseAsync();
        return await db.Datasets.CountAsync();
    }

    private string[] PayloadFiles() =>
        Directory.EnumerateFiles(Path.Combine(gateway.Home, "payloads"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();

    private sealed record InboxShape(List<DatasetShape> Datasets);

    private sealed record DatasetShape(string Id, string Type, string From, string To, string Purpose, string? Object, long Rows, string Sha256, long Size, string Contract);
}
