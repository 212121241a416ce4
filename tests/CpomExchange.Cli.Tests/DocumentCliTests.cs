using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary>
/// <c>cpom upload</c> of a document (the README's walkthrough, last steps): the PDF goes with its own
/// type (from its content) and <c>--titre</c>; <c>cpom download</c> writes it byte for byte under
/// <c>document-&lt;id&gt;.pdf</c>; <c>--replaces</c> corrects it, and the previous one is gone.
/// </summary>
public sealed class DocumentCliTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("cpom-cli-doc-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string[] As(string identity, params string[] args) =>
        [.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()];

    private static string Sample(string name) => Path.Combine(GatewayFixture.SamplesDirectory, name);

    [Fact]
    public async Task APdf_IsSentWithItsTitle_DownloadedIdentical_ThenReplaced()
    {
        var upload = await CliRunner.RunAsync(As("satm-agent", "upload", Sample("document.pdf"), "--type", "document", "--to", "carsat-pdl",
            "--purpose", "documents-cpom", "--titre", "Bilan annuel 2025"));
        Assert.True(upload.Exit == ExitCodes.Ok, upload.Err);
        Assert.Contains("Document déposé : « Bilan annuel 2025 » transmis à carsat-pdl.", upload.Out, StringComparison.Ordinal);

        var json = await CliRunner.RunAsync(As("satm-agent", "upload", Sample("document.pdf"), "--type", "document", "--to", "carsat-pdl",
            "--purpose", "documents-cpom", "--titre", "Bilan annuel 2025 (corrigé)", "--json"));
        Assert.True(json.Exit == ExitCodes.Ok, json.Err);
        using var created = JsonDocument.Parse(json.Out);
        var id = created.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("application/pdf", created.RootElement.GetProperty("mediaType").GetString());

        var download = await CliRunner.RunAsync(As("carsat-pdl-agent", "download", id, "--purpose", "documents-cpom", "-o", Path.Combine(_work, $"document-{id}.pdf")));
        Assert.True(download.Exit == ExitCodes.Ok, download.Err);
        Assert.Contains("document « Bilan annuel 2025 (corrigé) »", download.Out, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(Sample("document.pdf")), await File.ReadAllBytesAsync(Path.Combine(_work, $"document-{id}.pdf")));

        var replace = await CliRunner.RunAsync(As("satm-agent", "upload", Sample("document.pdf"), "--type", "document", "--to", "carsat-pdl",
            "--purpose", "documents-cpom", "--titre", "Bilan annuel 2025 (v3)", "--replaces", id));
        Assert.True(replace.Exit == ExitCodes.Ok, replace.Err);
        Assert.Contains($"Il remplace {id}, retiré et détruit.", replace.Out, StringComparison.Ordinal);

        var again = await CliRunner.RunAsync(As("satm-agent", "upload", Sample("document.pdf"), "--type", "document", "--to", "carsat-pdl",
            "--purpose", "documents-cpom", "--titre", "Encore", "--replaces", id));
        Assert.Equal(ExitCodes.Refused, again.Exit);
        Assert.Contains("dataset.replace-gone", again.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACsvRenamedPdf_IsSentAsCsv_AndRefusedForTheDocumentExchange()
    {
        var fake = Path.Combine(_work, "liste.pdf");
        await File.WriteAllTextAsync(fake, "siret;raison_sociale\r\n10433218419605;Garage\r\n");
        var result = await CliRunner.RunAsync(As("satm-agent", "upload", fake, "--type", "document", "--to", "carsat-pdl", "--purpose", "documents-cpom", "--titre", "Liste"));
        Assert.NotEqual(ExitCodes.Ok, result.Exit);
        Assert.Contains("request.unsupported-media-type", result.Err, StringComparison.Ordinal);
    }
}
