using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Tests.Shared;

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
        // A third organisation probing the dataset: one refusal, under the prober and both owners.
        using var satm = gateway.ClientFor("satm-agent");
        Assert.Equal(HttpStatusCode.NotFound, (await satm.GetAsync($"api/v1/datasets/{id}/content?purpose=sinistralite")).StatusCode);
        foreach (var dpo in new[] { "satm-dpo", "prevy-dpo", "carsat-lr-dpo" })
        {
            var probe = Assert.Single(await EntriesAsync(dpo, $"&dataset={id}&outcome=denied"));
            Assert.Equal(("satm-agent", "download", "dataset.not-found"),
                (probe.GetProperty("agent").GetString(), probe.GetProperty("action").GetString(), probe.GetProperty("reason").GetString()));
        }

        // A policy refusal and a validation refusal: one more entry each in the caller's log.
        static int Count(List<JsonElement> entries, string reason) => entries.Count(e => e.GetProperty("reason").GetString() == reason);
        var before = await EntriesAsync("prevy-dpo", "&outcome=denied&action=upload");
        using var prevy = gateway.ClientFor("prevy-agent");
        await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-pdl&purpose=sinistralite", Csv("siret\n10433218419605\n"));
        await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", Csv("siret\n123\n"));
        var denied = await EntriesAsync("prevy-dpo", "&outcome=denied&action=upload");
        Assert.Equal(Count(before, "policy.no-contract") + 1, Count(denied, "policy.no-contract"));
        Assert.Equal(Count(before, "csv.invalid-file") + 1, Count(denied, "csv.invalid-file"));
        Assert.Equal(("policy.no-contract", "carsat-pdl"), (denied[1].GetProperty("reason").GetString(), denied[1].GetProperty("counterpart").GetString()));
        Assert.Equal(("csv.invalid-file", 1L), (denied[0].GetProperty("reason").GetString(), denied[0].GetProperty("rows").GetInt64()));
    }

    [Fact]
    public async Task AuthenticationRefusal_AfterTheHandshake_IsLogged()
    {
        using var certificate = CpomExchange.Infrastructure.Pki.DevPki.IssueClientCertificate(gateway.Ca, "inconnu-pst38", "P.S.T.38", "999000102",
            DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(5));
        var before = (await EntriesAsync("pst38-dpo", "&action=authenticate")).Count;
        using var client = gateway.Client(certificate);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/v1/inbox")).StatusCode);
        var entries = await EntriesAsync("pst38-dpo", "&action=authenticate");
        Assert.Equal(before + 1, entries.Count);
        // Newest first: this refusal, with the certificate's fingerprint.
        Assert.Equal(("auth.unknown-certificate", "denied"), (entries[0].GetProperty("reason").GetString(), entries[0].GetProperty("outcome").GetString()));
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(certificate.RawData)), entries[0].GetProperty("certificate").GetString());
    }

    [Fact]
    public async Task Dpo_SeesOnlyTheirOwnOrganisationsLog_InListExportVerifyProofsAndSubjectLookup()
    {
        // Entries of three controllers, written here and tagged with this run's object: SATM sends a
        // list to the Carsat, which downloads it (both logs) and lists its inbox; the DREETS lists its own.
        var tag = "isolement-" + Guid.NewGuid().ToString("N")[..8];
        var siret = TestSirets.From(612_000_000).First();
        using var satm = gateway.ClientFor("satm-agent");
        var upload = await satm.PostAsync($"api/v1/datasets?type=adherents&to=carsat-pdl&purpose=sinistralite&object={tag}", Csv($"siret;raison_sociale\n{siret};ISOLEMENT\n"));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var id = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var carsat = gateway.ClientFor("carsat-pdl-agent");
        Assert.Equal(HttpStatusCode.OK, (await carsat.GetAsync($"api/v1/datasets/{id}/content?purpose=sinistralite&object={tag}")).StatusCode);
        for (var i = 0; i < 16; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await carsat.GetAsync($"api/v1/inbox?object={tag}")).StatusCode);
        }
        using var dreets = gateway.ClientFor("dreets-pdl-agent");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await dreets.GetAsync($"api/v1/inbox?object={tag}")).StatusCode);
        }
        (string Agent, string Action)[] uploadThenDownload = [("satm-agent", "upload"), ("carsat-pdl-agent", "download")];
        var expected = new Dictionary<string, (string Agent, string Action)[]>
        {
            ["satm"] = uploadThenDownload,
            ["carsat-pdl"] = [.. uploadThenDownload, .. Enumerable.Repeat(("carsat-pdl-agent", "list"), 16)],
            ["dreets-pdl"] = [.. Enumerable.Repeat(("dreets-pdl-agent", "list"), 5)],
        };

        var exports = new Dictionary<string, LogExportContent>();
        foreach (var (organisation, tagged) in expected)
        {
            var dpo = organisation + "-dpo";
            // Listing: every entry is this controller's, and this test's entries are exactly these.
            var entries = await EntriesAsync(dpo);
            Assert.All(entries, e => Assert.Equal(organisation, e.GetProperty("controller").GetString()));
            Assert.Equal(tagged, entries.Where(e => e.GetProperty("object").GetString() == tag).OrderBy(e => e.GetProperty("seq").GetInt64())
                .Select(e => (e.GetProperty("agent").GetString()!, e.GetProperty("action").GetString()!)));

            // Export: the same, for this controller's log id, checkpoints included.
            var export = exports[organisation] = await ExportAsync(dpo);
            Assert.Equal(organisation, export.Header.LogId);
            Assert.All(export.Entries, e => Assert.Equal(organisation, e.Entry.Controller));
            Assert.All(export.Checkpoints, c => Assert.Equal(organisation, c.Checkpoint.LogId));
            Assert.Equal(tagged, export.Entries.Where(e => e.Entry.Object == tag).Select(e => (e.Entry.AgentId, e.Entry.Action)));
            Assert.True(export.Verify().Valid);

            // Online verification: this controller's entries, no one else's.
            var verification = await VerifyAsync(dpo);
            Assert.True(verification.GetProperty("valid").GetBoolean(), verification.GetRawText());
            Assert.Equal(export.Entries.Count, verification.GetProperty("entriesChecked").GetInt64());
            Assert.Equal(export.Checkpoints.Count, verification.GetProperty("checkpointsChecked").GetInt32());
        }

        // Proofs: the DREETS's DPO proves its own entry in its own signed tree...
        using var dreetsDpo = gateway.ClientFor("dreets-pdl-dpo");
        var dreetsSizes = (await dreetsDpo.GetFromJsonAsync<JsonElement>("api/v1/audit/checkpoints")).EnumerateArray()
            .Select(c => (Assert.IsType<string>(c.GetProperty("logId").GetString()), c.GetProperty("treeSize").GetInt64(), c.GetProperty("rootHash").GetString()!)).ToList();
        Assert.All(dreetsSizes, c => Assert.Equal("dreets-pdl", c.Item1));
        var (_, size, rootHash) = dreetsSizes[^1];
        var seq = exports["dreets-pdl"].Entries.First(e => e.Entry.Object == tag).Entry.Seq;
        Assert.True(seq < size, $"entry {seq}, latest checkpoint {size}");
        var inclusion = await dreetsDpo.GetFromJsonAsync<JsonElement>($"api/v1/audit/proofs/inclusion?seq={seq}&treeSize={size}");
        var leaf = Convert.FromBase64String(inclusion.GetProperty("leafHash").GetString()!);
        Assert.Equal(exports["dreets-pdl"].Entries[(int)seq].Entry.LeafHash(), leaf);
        Assert.True(MerkleTree.VerifyInclusion(leaf, seq, size, inclusion.GetProperty("proof").EnumerateArray().Select(p => Convert.FromBase64String(p.GetString()!)).ToList(),
            Convert.FromBase64String(rootHash)));
        // ...and gets nothing of a tree only the Carsat's log has.
        using var carsatDpo = gateway.ClientFor("carsat-pdl-dpo");
        var foreign = (await carsatDpo.GetFromJsonAsync<JsonElement>("api/v1/audit/checkpoints")).EnumerateArray()
            .Select(c => c.GetProperty("treeSize").GetInt64()).Except(dreetsSizes.Select(c => c.Item2)).Max();
        Assert.Equal(HttpStatusCode.NotFound, (await dreetsDpo.GetAsync($"api/v1/audit/proofs/inclusion?seq=0&treeSize={foreign}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await dreetsDpo.GetAsync($"api/v1/audit/proofs/consistency?from={dreetsSizes[0].Item2}&to={foreign}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await carsatDpo.GetAsync($"api/v1/audit/proofs/inclusion?seq=0&treeSize={foreign}")).StatusCode);

        // Subject lookup: the two controllers of the dataset find it and their own entries on it; the others find nothing.
        foreach (var (organisation, datasets) in new[] { ("satm", new[] { id }), ("carsat-pdl", [id]), ("dreets-pdl", []), ("prevy", []) })
        {
            using var dpo = gateway.ClientFor(organisation + "-dpo");
            var found = await (await dpo.PostAsJsonAsync("api/v1/audit/subjects", new { siret })).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(datasets, found.GetProperty("datasets").EnumerateArray().Select(d => d.GetString()));
            var subjectEntries = found.GetProperty("entries").EnumerateArray().ToList();
            Assert.All(subjectEntries, e => Assert.Equal(organisation, e.GetProperty("controller").GetString()));
            Assert.Equal(datasets.Length == 0 ? [] : uploadThenDownload,
                subjectEntries.Select(e => (e.GetProperty("agent").GetString()!, e.GetProperty("action").GetString()!)));
        }
    }

    [Fact]
    public async Task NonDpos_CannotReadAnyLog()
    {
        string[] reads = ["api/v1/audit/entries", "api/v1/audit/export", "api/v1/audit/verify", "api/v1/audit/checkpoints", "api/v1/audit/public-key",
            "api/v1/audit/proofs/inclusion?seq=0", "api/v1/audit/proofs/consistency?from=1"];
        foreach (var identity in new[] { "dreets-pdl-agent", "admin", "carsat-pdl-service-social", "satm-pdp" })
        {
            using var client = gateway.ClientFor(identity);
            foreach (var path in reads)
            {
                Assert.Equal("policy.role-not-allowed", (await (await client.GetAsync(path)).ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
            }
            var subjects = await client.PostAsJsonAsync("api/v1/audit/subjects", new { siret = "10433218419605" });
            Assert.Equal("policy.role-not-allowed", (await subjects.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
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

        // Whoever has write access to the database can drop or disable the triggers first.
        const string Columns = "\"TimeUtc\", \"AgentId\", \"AgentName\", \"Organisation\", \"CertificateSha256\", \"Action\", \"ExchangeType\", \"DatasetId\", \"Rows\", \"Counterpart\", \"Purpose\", \"Object\", \"LegalBasis\", \"Outcome\", \"ReasonCode\", \"ClientAddress\", \"RequestId\", \"PreviousLeafHash\"";
        var (sql, expectedFirstBad) = tampering switch
        {
            "change-field" => ("UPDATE access_log_entries SET \"AgentId\" = 'quelqu-un-d-autre' WHERE \"Controller\" = @c AND \"Seq\" = 5", 5L),
            "delete" => ("DELETE FROM access_log_entries WHERE \"Controller\" = @c AND \"Seq\" = 3", 3L),
            // Make room at 6 and copy entry 2 there, leaves included: a plausible forged entry.
            "insert" => ("UPDATE access_log_entries SET \"Seq\" = \"Seq\" + 1000 WHERE \"Controller\" = @c AND \"Seq\" >= 6; UPDATE access_log_entries SET \"Seq\" = \"Seq\" - 999 WHERE \"Controller\" = @c AND \"Seq\" >= 1006;"
                + "UPDATE access_log_leaves SET \"Seq\" = \"Seq\" + 1000 WHERE \"Controller\" = @c AND \"Seq\" >= 6; UPDATE access_log_leaves SET \"Seq\" = \"Seq\" - 999 WHERE \"Controller\" = @c AND \"Seq\" >= 1006;"
                + $"INSERT INTO access_log_entries (\"Controller\", \"Seq\", {Columns}) SELECT \"Controller\", 6, {Columns} FROM access_log_entries WHERE \"Controller\" = @c AND \"Seq\" = 2;"
                + "INSERT INTO access_log_leaves (\"Controller\", \"Seq\", \"Hash\") SELECT \"Controller\", 6, \"Hash\" FROM access_log_leaves WHERE \"Controller\" = @c AND \"Seq\" = 2;", 6L),
            "reorder" => ("UPDATE access_log_entries SET \"Seq\" = -1 WHERE \"Controller\" = @c AND \"Seq\" = 7; UPDATE access_log_entries SET \"Seq\" = 7 WHERE \"Controller\" = @c AND \"Seq\" = 8; UPDATE access_log_entries SET \"Seq\" = 8 WHERE \"Controller\" = @c AND \"Seq\" = -1;"
                + "UPDATE access_log_leaves SET \"Seq\" = -1 WHERE \"Controller\" = @c AND \"Seq\" = 7; UPDATE access_log_leaves SET \"Seq\" = 7 WHERE \"Controller\" = @c AND \"Seq\" = 8; UPDATE access_log_leaves SET \"Seq\" = 8 WHERE \"Controller\" = @c AND \"Seq\" = -1;", 7L),
            _ => ("DELETE FROM access_log_entries WHERE \"Controller\" = @c AND \"Seq\" >= 9", 9L),
        };
        Assert.True(await LogTampering.RewriteAsync(gateway, sql, LogTampering.Controller(organisation)) > 0, tampering);

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
