using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>The access log per data controller, through the real gateway: what is logged where, DPO review, proofs, tampering.</summary>
public sealed class AccessLogTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private static ByteArrayContent Csv(string text)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    private async Task<string> UploadAsync(string csv = "siret;raison_sociale\n10433218419605;A\n01338908538633;B\n")
    {
        using var prevy = gateway.ClientFor("prevy-agent");
        var response = await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite&object=dossier-42", Csv(csv));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task<List<JsonElement>> EntriesAsync(string dpo, string query = "")
    {
        using var client = gateway.ClientFor(dpo);
        var page = await client.GetFromJsonAsync<JsonElement>("api/v1/audit/entries?pageSize=1000" + query);
        return page.GetProperty("entries").EnumerateArray().ToList();
    }

    private async Task<JsonElement> VerifyAsync(string dpo)
    {
        using var client = gateway.ClientFor(dpo);
        return await client.GetFromJsonAsync<JsonElement>("api/v1/audit/verify");
    }

    private async Task<LogExportContent> ExportAsync(string dpo)
    {
        using var client = gateway.ClientFor(dpo);
        var text = await client.GetStringAsync("api/v1/audit/export?format=jsonl");
        return await LogExport.ReadAsync(new StringReader(text));
    }

    private async Task ListInboxAsync(string agent, int times)
    {
        using var client = gateway.ClientFor(agent);
        for (var i = 0; i < times; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/v1/inbox")).StatusCode);
        }
    }

    [Fact]
    public async Task UploadAndDownload_AreLoggedUnderBothControllers_WithPurposeObjectAndLegalBasis()
    {
        var id = await UploadAsync();
        using var carsat = gateway.ClientFor("carsat-lr-agent");
        Assert.Equal(HttpStatusCode.OK, (await carsat.GetAsync($"api/v1/datasets/{id}/content?purpose=sinistralite&object=controle")).StatusCode);

        foreach (var dpo in new[] { "prevy-dpo", "carsat-lr-dpo" })
        {
            var entries = await EntriesAsync(dpo, $"&dataset={id}");
            var upload = Assert.Single(entries, e => e.GetProperty("action").GetString() == "upload");
            Assert.Equal("prevy-agent", upload.GetProperty("agent").GetString());
            Assert.Equal("allowed", upload.GetProperty("outcome").GetString());
            Assert.Equal(2, upload.GetProperty("rows").GetInt64());
            Assert.Equal("sinistralite", upload.GetProperty("purpose").GetString());
            Assert.Equal("dossier-42", upload.GetProperty("object").GetString());
            Assert.Contains("RGPD", upload.GetProperty("legalBasis").GetString(), StringComparison.Ordinal);
            Assert.Equal(64, upload.GetProperty("certificate").GetString()!.Length);
            var download = Assert.Single(entries, e => e.GetProperty("action").GetString() == "download");
            Assert.Equal("carsat-lr-agent", download.GetProperty("agent").GetString());
            Assert.Equal("controle", download.GetProperty("object").GetString());
        }
        // Never a SIRET in an entry.
        var all = await EntriesAsync("prevy-dpo");
        Assert.DoesNotContain(all, e => e.GetRawText().Contains("10433218419605", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refusals_AreLogged_UnderTheCallerAndTheDatasetsOwners()
    {
        var id = await UploadAsync();
        // A third organisation probing the dataset.
        using var satm = gateway.ClientFor("satm-agent");
        Assert.Equal(HttpStatusCode.NotFound, (await satm.GetAsync($"api/v1/datasets/{id}/content?purpose=sinistralite")).StatusCode);
        Assert.Contains(await EntriesAsync("satm-dpo", "&outcome=denied"), e => e.GetProperty("reason").GetString() == "dataset.not-found");
        Assert.Contains(await EntriesAsync("prevy-dpo", $"&dataset={id}&outcome=denied"), e => e.GetProperty("agent").GetString() == "satm-agent");
        Assert.Contains(await EntriesAsync("carsat-lr-dpo", $"&dataset={id}&outcome=denied"), e => e.GetProperty("agent").GetString() == "satm-agent");

        // A policy refusal and a validation refusal, in the caller's log.
        using var prevy = gateway.ClientFor("prevy-agent");
        await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-pdl&purpose=sinistralite", Csv("siret\n10433218419605\n"));
        await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", Csv("siret\n123\n"));
        var denied = await EntriesAsync("prevy-dpo", "&outcome=denied&action=upload");
        Assert.Contains(denied, e => e.GetProperty("reason").GetString() == "policy.no-contract" && e.GetProperty("counterpart").GetString() == "carsat-pdl");
        Assert.Contains(denied, e => e.GetProperty("reason").GetString() == "csv.invalid-file" && e.GetProperty("rows").GetInt64() == 1);
    }

    [Fact]
    public async Task AuthenticationRefusal_AfterTheHandshake_IsLogged()
    {
        using var certificate = CpomExchange.Infrastructure.Pki.DevPki.IssueClientCertificate(gateway.Ca, "inconnu-pst38", "P.S.T.38", "999000102",
            DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(5));
        using var client = gateway.Client(certificate);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/v1/inbox")).StatusCode);
        var entries = await EntriesAsync("pst38-dpo", "&action=authenticate");
        Assert.Contains(entries, e => e.GetProperty("reason").GetString() == "auth.unknown-certificate");
    }

    [Fact]
    public async Task Dpo_SeesOnlyTheirOwnOrganisationsLog_AndOthersCannotReadIt()
    {
        await ListInboxAsync("dreets-pdl-agent", 2);
        var entries = await EntriesAsync("dreets-pdl-dpo");
        Assert.NotEmpty(entries);
        Assert.All(entries, e => Assert.Equal("dreets-pdl", e.GetProperty("controller").GetString()));
        Assert.DoesNotContain(await EntriesAsync("carsat-pdl-dpo"), e => e.GetProperty("controller").GetString() != "carsat-pdl");
        foreach (var identity in new[] { "dreets-pdl-agent", "admin", "carsat-pdl-service-social" })
        {
            using var client = gateway.ClientFor(identity);
            var response = await client.GetAsync("api/v1/audit/entries");
            Assert.Equal("policy.role-not-allowed", (await response.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
        }
    }

    [Fact]
    public async Task HundredConcurrentRequests_GiveOneValidLog()
    {
        // This organisation's log is written by this test only: 67 listings (each logged), 33 /me (not logged).
        var clients = new[] { "cist971-agent", "cist971-pdp", "cist971-dpo" }.Select(gateway.ClientFor).ToList();
        HttpStatusCode[] statuses;
        try
        {
            var tasks = Enumerable.Range(0, 100).Select(async i =>
            {
                using var response = await clients[i % clients.Count].GetAsync(i % 3 == 2 ? "api/v1/me" : "api/v1/inbox");
                return response.StatusCode;
            });
            statuses = await Task.WhenAll(tasks);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(100, statuses.Length);
        var verification = await VerifyAsync("cist971-dpo");
        Assert.True(verification.GetProperty("valid").GetBoolean(), verification.GetRawText());
        Assert.Equal(67, verification.GetProperty("entriesChecked").GetInt64());
        // The export holds them, then the verification and the export themselves (each a DPO review, logged).
        var export = await ExportAsync("cist971-dpo");
        Assert.Equal(69, export.Entries.Count);
        Assert.Equal(67, export.Entries.Count(e => e.Entry.Action == LogActions.List));
        Assert.Equal(["vérification", "export jsonl"], export.Entries.Where(e => e.Entry.Action == LogActions.AuditRead).Select(e => e.Entry.Object));
        Assert.Equal(Enumerable.Range(0, export.Entries.Count).Select(i => (long)i), export.Entries.Select(e => e.Entry.Seq));
        Assert.True(export.Verify().Valid);
    }

    [Fact]
    public async Task Proofs_Verify_AndForgedProofsFail()
    {
        await ListInboxAsync("satm-agent", 9);
        using var dpo = gateway.ClientFor("satm-dpo");
        var key = Convert.FromBase64String((await dpo.GetFromJsonAsync<JsonElement>("api/v1/audit/public-key")).GetProperty("publicKey").GetString()!);
        var checkpoints = await dpo.GetFromJsonAsync<JsonElement>("api/v1/audit/checkpoints");
        Assert.True(checkpoints.GetArrayLength() >= 2);
        var first = checkpoints[0];
        var last = checkpoints[checkpoints.GetArrayLength() - 1];

        var inclusion = await dpo.GetFromJsonAsync<JsonElement>($"api/v1/audit/proofs/inclusion?seq=1&treeSize={last.GetProperty("treeSize").GetInt64()}");
        var leaf = Convert.FromBase64String(inclusion.GetProperty("leafHash").GetString()!);
        var path = inclusion.GetProperty("proof").EnumerateArray().Select(p => Convert.FromBase64String(p.GetString()!)).ToList();
        var root = Convert.FromBase64String(last.GetProperty("rootHash").GetString()!);
        var size = last.GetProperty("treeSize").GetInt64();
        Assert.True(MerkleTree.VerifyInclusion(leaf, 1, size, path, root));
        var export = await ExportAsync("satm-dpo");
        Assert.Equal(leaf, export.Entries[1].Entry.LeafHash());
        var forged = path.Select(p => (byte[])p.Clone()).ToList();
        forged[0][0] ^= 1;
        Assert.False(MerkleTree.VerifyInclusion(leaf, 1, size, forged, root));
        Assert.False(MerkleTree.VerifyInclusion(export.Entries[2].Entry.LeafHash(), 1, size, path, root));

        var consistency = await dpo.GetFromJsonAsync<JsonElement>($"api/v1/audit/proofs/consistency?from={first.GetProperty("treeSize").GetInt64()}&to={size}");
        var proof = consistency.GetProperty("proof").EnumerateArray().Select(p => Convert.FromBase64String(p.GetString()!)).ToList();
        var oldRoot = Convert.FromBase64String(first.GetProperty("rootHash").GetString()!);
        Assert.True(MerkleTree.VerifyConsistency(first.GetProperty("treeSize").GetInt64(), size, oldRoot, root, proof));
        var forgedRoot = (byte[])oldRoot.Clone();
        forgedRoot[5] ^= 0x80;
        Assert.False(MerkleTree.VerifyConsistency(first.GetProperty("treeSize").GetInt64(), size, forgedRoot, root, proof));

        // Every checkpoint is signed by the gateway's key.
        Assert.All(export.Checkpoints, c => Assert.True(c.VerifyWith(key)));
    }

    public static TheoryData<string, string> Tampering() => new()
    {
        { "dreets-occitanie", "change-field" },
        { "deets-guadeloupe", "delete" },
        { "dreets-aura", "insert" },
        { "carsat-ra", "reorder" },
        { "cgss-guadeloupe", "truncate" },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task TamperingInTheDatabase_IsDetected_OnlineAndOffline_NamingTheFirstBadEntry(string organisation, string tampering)
    {
        // Eleven entries (three signed checkpoints of four) in this organisation's log.
        await ListInboxAsync(organisation + "-agent", 11);
        Assert.True((await VerifyAsync(organisation + "-dpo")).GetProperty("valid").GetBoolean());

        long expectedFirstBad;
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            var connection = db.Database.GetDbConnection();
            await connection.OpenAsync();
            async Task Sql(string sql)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = sql;
                var parameter = command.CreateParameter();
                parameter.ParameterName = "c";
                parameter.Value = organisation;
                command.Parameters.Add(parameter);
                await command.ExecuteNonQueryAsync();
            }
            // Whoever has write access to the database can drop or disable the triggers first.
            await Sql(db.Database.IsNpgsql()
                ? "ALTER TABLE access_log_entries DISABLE TRIGGER USER; ALTER TABLE access_log_leaves DISABLE TRIGGER USER;"
                : "DROP TRIGGER IF EXISTS access_log_entries_append_only; DROP TRIGGER IF EXISTS access_log_leaves_no_update; DROP TRIGGER IF EXISTS access_log_leaves_no_delete;");
            const string Columns = "\"TimeUtc\", \"AgentId\", \"AgentName\", \"Organisation\", \"CertificateSha256\", \"Action\", \"ExchangeType\", \"DatasetId\", \"Rows\", \"Counterpart\", \"Purpose\", \"Object\", \"LegalBasis\", \"Outcome\", \"ReasonCode\", \"ClientAddress\", \"RequestId\", \"PreviousLeafHash\"";
            switch (tampering)
            {
                case "change-field":
                    await Sql("UPDATE access_log_entries SET \"AgentId\" = 'quelqu-un-d-autre' WHERE \"Controller\" = @c AND \"Seq\" = 5");
                    expectedFirstBad = 5;
                    break;
                case "delete":
                    await Sql("DELETE FROM access_log_entries WHERE \"Controller\" = @c AND \"Seq\" = 3");
                    expectedFirstBad = 3;
                    break;
                case "insert":
                    // Make room at 6 and copy entry 2 there, leaves included: a plausible forged entry.
                    await Sql("UPDATE access_log_entries SET \"Seq\" = \"Seq\" + 1000 WHERE \"Controller\" = @c AND \"Seq\" >= 6; UPDATE access_log_entries SET \"Seq\" = \"Seq\" - 999 WHERE \"Controller\" = @c AND \"Seq\" >= 1006;"
                        + "UPDATE access_log_leaves SET \"Seq\" = \"Seq\" + 1000 WHERE \"Controller\" = @c AND \"Seq\" >= 6; UPDATE access_log_leaves SET \"Seq\" = \"Seq\" - 999 WHERE \"Controller\" = @c AND \"Seq\" >= 1006;"
                        + $"INSERT INTO access_log_entries (\"Controller\", \"Seq\", {Columns}) SELECT \"Controller\", 6, {Columns} FROM access_log_entries WHERE \"Controller\" = @c AND \"Seq\" = 2;"
                        + "INSERT INTO access_log_leaves (\"Controller\", \"Seq\", \"Hash\") SELECT \"Controller\", 6, \"Hash\" FROM access_log_leaves WHERE \"Controller\" = @c AND \"Seq\" = 2;");
                    expectedFirstBad = 6;
                    break;
                case "reorder":
                    await Sql("UPDATE access_log_entries SET \"Seq\" = -1 WHERE \"Controller\" = @c AND \"Seq\" = 7; UPDATE access_log_entries SET \"Seq\" = 7 WHERE \"Controller\" = @c AND \"Seq\" = 8; UPDATE access_log_entries SET \"Seq\" = 8 WHERE \"Controller\" = @c AND \"Seq\" = -1;"
                        + "UPDATE access_log_leaves SET \"Seq\" = -1 WHERE \"Controller\" = @c AND \"Seq\" = 7; UPDATE access_log_leaves SET \"Seq\" = 7 WHERE \"Controller\" = @c AND \"Seq\" = 8; UPDATE access_log_leaves SET \"Seq\" = 8 WHERE \"Controller\" = @c AND \"Seq\" = -1;");
                    expectedFirstBad = 7;
                    break;
                default:
                    await Sql("DELETE FROM access_log_entries WHERE \"Controller\" = @c AND \"Seq\" >= 9");
                    expectedFirstBad = 9;
                    break;
            }
        }

        // Online: the gateway recomputes.
        var online = await VerifyAsync(organisation + "-dpo");
        Assert.False(online.GetProperty("valid").GetBoolean(), online.GetRawText());
        Assert.Equal(expectedFirstBad, online.GetProperty("firstBadSeq").GetInt64());
        Assert.False(string.IsNullOrWhiteSpace(online.GetProperty("problem").GetString()));

        // Offline: the DPO's own check of an export.
        var offline = (await ExportAsync(organisation + "-dpo")).Verify();
        Assert.False(offline.Valid);
        Assert.Equal(expectedFirstBad, offline.FirstBadSeq);
    }

    [Fact]
    public async Task SubjectLookup_FindsTheEntriesConcerningASiret_WithoutTheSiretInTheLog()
    {
        var id = await UploadAsync("siret;raison_sociale\n79402654223514;EHPAD\n");
        using var dpo = gateway.ClientFor("prevy-dpo");
        var found = await (await dpo.PostAsJsonAsync("api/v1/audit/subjects", new { siret = "794 026 542 23514" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("v1:", found.GetProperty("pseudonym").GetString(), StringComparison.Ordinal);
        Assert.Contains(id, found.GetProperty("datasets").EnumerateArray().Select(d => d.GetString()));
        Assert.Contains(found.GetProperty("entries").EnumerateArray(), e => e.GetProperty("dataset").GetString() == id && e.GetProperty("action").GetString() == "upload");

        var none = await (await dpo.PostAsJsonAsync("api/v1/audit/subjects", new { siret = "35600000000048" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.DoesNotContain(id, none.GetProperty("datasets").EnumerateArray().Select(d => d.GetString()));

        var bad = await dpo.PostAsJsonAsync("api/v1/audit/subjects", new { siret = "123" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.DoesNotContain(await EntriesAsync("prevy-dpo", "&action=audit-read"), e => e.GetRawText().Contains("79402654223514", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CsvExport_IsExcelFriendly()
    {
        await ListInboxAsync("pst38-agent", 1);
        using var dpo = gateway.ClientFor("pst38-dpo");
        var response = await dpo.GetAsync("api/v1/audit/export?format=csv");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var text = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        Assert.StartsWith("n;horodatage_utc;agent;", text, StringComparison.Ordinal);
        Assert.Contains(";pst38-agent;", text, StringComparison.Ordinal);
    }
}
