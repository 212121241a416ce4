using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.Tests.AccessLog;

/// <summary>
/// The direct verification writes each entry's canonical bytes straight from SQLite's buffers
/// (<see cref="SqliteCanonicalRow"/>) and reads a row the former way only when that writer gives up or the entry does not
/// hold: on an intact log every entry must go through the fast path, and a row rewritten in any of the ways that writer
/// treats apart (one character, a plain value made escaped and the reverse, another storage class, invalid UTF-8, a time
/// that does not exist or has an offset) must give the verdict, message and count of the former path through EF Core.
/// </summary>
public sealed class SqliteLogFastPathTests(SqliteLogVerificationTests.Template template)
    : SqliteLogCopy(template, "cpom-fast-path-test-"), IClassFixture<SqliteLogVerificationTests.Template>
{
    [Fact]
    public async Task AnIntactLog_IsReadWhollyByTheFastPath()
    {
        await using var connection = new SqliteConnection($"Data Source={Home.DatabaseFile};Mode=ReadOnly");
        await connection.OpenAsync();
        var part = new SqliteLogPart(connection.Handle!, SqliteLogVerification.Columns, SqliteLogVerification.Leaves, Controller, null, [(null, null)]);
        part.Run(CancellationToken.None);
        var seen = 0;
        while (part.Chunks.TryRead(out var chunk))
        {
            Assert.Null(chunk.Bad);
            Assert.False(chunk.Unreadable);
            seen += chunk.Count;
        }
        Assert.Equal(Size, seen);
        Assert.Equal(Size, part.FastEntries);
    }

    // Each sets a column of the entry given (or of the first entry from 1,200 on whose agent's name is escaped).
    public static TheoryData<string, string> Rewrites => new()
    {
        { "one-character", "\"AgentId\" = \"AgentId\" || 'x' WHERE \"Seq\" = 1100" },
        { "plain-to-escaped", "\"CertificateSha256\" = substr(\"CertificateSha256\", 1, 63) || '<' WHERE \"Seq\" = 1101" },
        { "escaped-to-plain", "\"AgentName\" = 'plain' WHERE \"Seq\" = (SELECT min(\"Seq\") FROM access_log_entries WHERE \"Controller\" = 'prevy' "
            + "AND \"Seq\" >= 1200 AND \"AgentName\" GLOB '*[^a-zA-Z0-9]*')" },
        { "last-character-escaped", "\"Outcome\" = \"Outcome\" || '\"' WHERE \"Seq\" = 1102" },
        { "text-to-blob", "\"AgentName\" = CAST(\"AgentName\" AS BLOB) WHERE \"Seq\" = 1300" },
        { "text-to-integer", "\"Organisation\" = 42 WHERE \"Seq\" = 1301" },
        { "invalid-utf8-after-plain", "\"Purpose\" = CAST(x'616263c3' AS TEXT) WHERE \"Seq\" = 1302" },
        { "surrogate", "\"RequestId\" = CAST(x'eda080' AS TEXT) WHERE \"Seq\" = 1303" },
        { "31-february", "\"TimeUtc\" = '2026-02-31 10:00:00' WHERE \"Seq\" = 1304" },
        { "offset", "\"TimeUtc\" = '2026-01-01 10:00:00+01:00' WHERE \"Seq\" = 1305" },
        { "another-time", "\"TimeUtc\" = '2026-01-01 10:00:00.1234567' WHERE \"Seq\" = 1306" },
        { "rows-real", "\"Rows\" = 2.5 WHERE \"Seq\" = 1307" },
        { "policy-integer", "\"PolicyHash\" = 7 WHERE \"Seq\" = 1308" },
        { "made-empty", "\"Action\" = '' WHERE \"Seq\" = 1309" },
    };

    [Theory]
    [MemberData(nameof(Rewrites))]
    public async Task ARewrittenRow_GivesTheVerdictOfTheFormerPath(string name, string rewrite)
    {
        long seq;
        await using (var db = await CpomDatabase.OpenSqliteAsync(Home))
        {
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER IF EXISTS access_log_entries_append_only;");
            var where = rewrite[(rewrite.IndexOf(" WHERE ", StringComparison.Ordinal) + 7)..];
            // The test's own SQL, no input in it.
            var select = "SELECT \"Seq\" AS \"Value\" FROM access_log_entries WHERE \"Controller\" = 'prevy' AND " + where;
            seq = await db.Database.SqlQueryRaw<long>(select).SingleAsync();
            var update = "UPDATE access_log_entries SET " + rewrite + " AND \"Controller\" = 'prevy'";
            Assert.Equal(1, await db.Database.ExecuteSqlRawAsync(update));
        }

        foreach (var parts in (int?[])[null, 2])
        {
            var (former, formerError) = await TryVerifyAsync(direct: false);
            var (direct, directError) = await TryVerifyAsync(direct: true, parts);

            Assert.Equal(formerError?.GetType(), directError?.GetType());
            Assert.Equal(formerError?.Message, directError?.Message);
            Assert.Equal(former, direct);
            if (directError is null)
            {
                // A BLOB of the same bytes is the same string to EF Core: the log holds, as the former path says.
                Assert.Equal(name != "text-to-blob", !direct!.Valid);
                Assert.Equal(name == "text-to-blob" ? null : seq, direct.FirstBadSeq);
                Assert.Equal(former!.Summary, direct.Summary);
                Assert.Equal(former.EntriesChecked, direct.EntriesChecked);
            }
        }
    }
}
