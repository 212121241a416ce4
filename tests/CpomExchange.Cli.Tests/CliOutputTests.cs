using CpomExchange.Cli.Commands;
using CpomExchange.Rules.Csv;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary>
/// What <c>cpom</c> prints (issue 14.9): a purpose or an object a counterpart sent lands in this
/// organisation's log, and the DPO reads it in a terminal; no control or bidirectional character
/// reaches the terminal, whichever way the text goes out.
/// </summary>
public sealed class CliOutputTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    // An escape sequence that clears the screen and recolours, a bell, a right-to-left override, an isolate, a NEL.
    private const string Hostile = "rouge\u001b[2J\u001b[31m\u0007\u202Eevil\u2066x\u0085y";

    private static void AssertPrintable(string output)
    {
        for (var i = 0; i < output.Length; i++)
        {
            Assert.True(output[i] == '\n' || CsvIngestor.FindForbiddenCharacter(output.AsSpan(i, 1)) < 0,
                $"U+{(int)output[i]:X4} at {i} in: {output}");
        }
    }

    [Fact]
    public void TerminalWriter_KeepsTheTextAndLineFeeds_DropsWhatATerminalInterprets()
    {
        Assert.Equal("rouge[2J[31mevilxy", TerminalWriter.Clean(Hostile));
        Assert.Equal("a b\nc", TerminalWriter.Clean("a\tb\r\nc"));
        Assert.Equal("déjà vu — 😀", TerminalWriter.Clean("déjà vu — 😀"));
        using var inner = new StringWriter();
        var writer = TerminalWriter.Wrap(inner);
        Assert.Same(writer, TerminalWriter.Wrap(writer));
        writer.Write(Hostile.ToCharArray(), 0, Hostile.Length);
        writer.Write('\u001b');
        writer.WriteLine(Hostile.AsSpan());
        writer.WriteLine((object)Hostile);
        Assert.Equal("rouge[2J[31mevilxy" + "rouge[2J[31mevilxy" + inner.NewLine + "rouge[2J[31mevilxy" + inner.NewLine, inner.ToString());
    }

    [Fact]
    public async Task AuditList_OfEntriesHoldingControlAndBidiCharacters_PrintsThemWithout()
    {
        using (var agent = gateway.ClientFor("carsat-pdl-agent"))
        {
            Assert.True((await agent.GetAsync("api/v1/inbox?purpose=sinistralite&object=dossier-1")).IsSuccessStatusCode);
        }
        // The gateway no longer writes such values (they are refused, then logged made visible); an
        // older gateway or a hand in the database may have: the CLI is the last line.
        var rewritten = await LogTampering.RewriteAsync(gateway,
            "UPDATE access_log_entries SET \"Purpose\" = @p, \"Object\" = @p, \"AgentId\" = @p WHERE \"Controller\" = 'carsat-pdl' AND \"Action\" = 'list'",
            new Dictionary<string, object> { ["p"] = Hostile });
        Assert.True(rewritten >= 1, rewritten.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string[] Args(params string[] args) => [.. args, "--as", "carsat-pdl-dpo", "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()];

        var list = await CliRunner.RunAsync(Args("audit", "list", "--action", "list"));
        Assert.True(list.Exit == ExitCodes.Ok, list.Err);
        Assert.Contains("rouge[2J[31mevilxy", list.Out, StringComparison.Ordinal);
        AssertPrintable(list.Out);
        AssertPrintable(list.Err);

        // The online verification reports the rewrite; what it prints is clean too.
        var verify = await CliRunner.RunAsync(Args("audit", "verify"));
        Assert.Equal(ExitCodes.Integrity, verify.Exit);
        AssertPrintable(verify.Out);
        AssertPrintable(verify.Err);
    }

    [Fact]
    public async Task WhatTheCommandLineItselfEchoes_IsCleanToo()
    {
        // A parse error echoes the bad token on stderr, outside any command's output.
        var result = await CliRunner.RunAsync("audit", "list", "--page", "1" + Hostile);
        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains("rouge[2J[31mevilxy", result.Err, StringComparison.Ordinal);
        AssertPrintable(result.Err);
        AssertPrintable(result.Out);
    }
}
