using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Csv;

namespace CpomExchange.Rules.Tests.AccessLog;

/// <summary>What a log entry keeps of a value a client sent: visible, within its column, never half a character.</summary>
public sealed class LogTextTests
{
    public static TheoryData<string?, int, string?> Values() => new()
    {
        { null, 64, null },
        { "sinistralite", 64, "sinistralite" },
        { new string('a', 64), 64, new string('a', 64) },
        { new string('a', 65), 64, new string('a', 63) + "…" },
        // The cut would fall between the two halves of the emoji: it falls before it.
        { new string('a', 62) + "\U0001F600b", 64, new string('a', 62) + "…" },
        { new string('a', 61) + "\U0001F600bc", 64, new string('a', 61) + "\U0001F600" + "…" },
        { new string('a', 62) + "\U0001F600", 64, new string('a', 62) + "\U0001F600" },
        // Control, invisible and bidirectional characters, and unpaired surrogates, are made visible.
        { "dossier\u202Eexe.fdp", 80, "dossier\\u202Eexe.fdp" },
        { "a\u0000b\u001b[31m", 80, "a\\u0000b\\u001B[31m" },
        { "\u061C\u2028\u2066\uFEFF", 80, "\\u061C\\u2028\\u2066\\uFEFF" },
        // Escaping may make a value longer than its column: the escape is cut, never the column exceeded.
        { new string('a', 60) + "\u202E", 64, new string('a', 60) + "\\u2…" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Fit_KeepsWhatIsSafe_EscapesTheRest_AndCutsBetweenCharacters(string? value, int max, string? expected)
    {
        var fitted = LogText.Fit(value, max);
        Assert.Equal(expected, fitted);
        if (fitted is not null)
        {
            Assert.True(fitted.Length <= max, fitted);
            Assert.Equal(-1, CsvIngestor.FindForbiddenCharacter(fitted));
            Assert.DoesNotContain(fitted.Select((c, i) => (c, i)), x => char.IsHighSurrogate(x.c) && (x.i + 1 == fitted.Length || !char.IsLowSurrogate(fitted[x.i + 1])));
        }
    }

    [Fact]
    public void UnpairedSurrogates_AreMadeVisible()
    {
        // Not theory data: the test runner's serialisation would replace them before the test sees them.
        Assert.Equal("x\\uD83D", LogText.Fit("x\uD83D", 80));
        Assert.Equal("\\uDE00y", LogText.Fit("\uDE00y", 80));
        Assert.Equal("\\uDE00\\uD83D", LogText.Fit("\uDE00\uD83D", 80));
        Assert.Equal("\U0001F600", LogText.Fit("\U0001F600", 80));
    }

    [Fact]
    public void AnEntryOfFittedValues_SerialisesToWhatItHolds()
    {
        // Before: a value cut inside a pair left a lone surrogate, which the JSON writer replaces with U+FFFD,
        // so the hashed text differed from the stored one (and PostgreSQL refused to store it).
        var purpose = LogText.Fit(new string('a', 62) + "\U0001F600b", 64)!;
        var entry = new AccessLogEntry(0, "prevy", DateTimeOffset.UnixEpoch, "a", "A", null, new string('0', 64), LogActions.List, null, null, null, null,
            purpose, null, null, AccessLogEntry.Allowed, null, null, null, new byte[32]);
        using var json = System.Text.Json.JsonDocument.Parse(entry.CanonicalBytes());
        Assert.Equal(purpose, json.RootElement.GetProperty("purpose").GetString());
    }
}
