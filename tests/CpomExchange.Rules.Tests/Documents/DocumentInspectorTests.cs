using CpomExchange.Rules.Documents;
using CpomExchange.Rules.Errors;
using CpomExchange.Tests.Shared;
using DocFormat = CpomExchange.Rules.Documents.DocumentFormat;

namespace CpomExchange.Rules.Tests.Documents;

/// <summary>
/// The document checks on the committed sample and hostile corpus (tests/Corpus/documents, written by
/// its make.py): the type by content, the declared type, scripts and attachments — hidden in object
/// streams or behind escaped names too — macros, embedded objects, truncation.
/// </summary>
public sealed class DocumentInspectorTests
{
    private static readonly DocFormat Format = new([DocumentTypes.Pdf, DocumentTypes.OdfText], DocFormat.DefaultMaxBytes);

    private static byte[] Corpus(string name) => File.ReadAllBytes(Path.Combine(TestPaths.RepositoryRoot, "tests", "Corpus", "documents", name));

    private static byte[] Sample => File.ReadAllBytes(Path.Combine(TestPaths.RepositoryRoot, "tests", "Samples", "document.pdf"));

    [Fact]
    public void TheSamplePdf_IsAccepted_AsPdf()
    {
        var check = DocumentInspector.Inspect(Sample, "application/pdf", Format);
        Assert.Null(check.Refusal);
        Assert.Equal(DocumentTypes.Pdf, check.MediaType);
    }

    [Fact]
    public void APdfWhoseObjectsLiveInACompressedObjectStream_WithoutScript_IsAccepted()
    {
        // The control for the hidden-script case below: the object stream itself is no reason to refuse.
        var check = DocumentInspector.Inspect(Corpus("pdf-object-stream-clean.pdf"), "application/pdf", Format);
        Assert.Null(check.Refusal);
    }

    [Fact]
    public void ACleanOdt_IsAccepted_AsOpenDocumentText()
    {
        var check = DocumentInspector.Inspect(Corpus("document-clean.odt"), "application/vnd.oasis.opendocument.text; charset=binary", Format);
        Assert.Null(check.Refusal);
        Assert.Equal(DocumentTypes.OdfText, check.MediaType);
    }

    [Theory]
    [InlineData("pdf-javascript.pdf", "application/pdf", ErrorCatalog.DocumentActiveContent, "/JavaScript")]
    [InlineData("pdf-launch.pdf", "application/pdf", ErrorCatalog.DocumentActiveContent, "/Launch")]
    [InlineData("pdf-javascript-hex-name.pdf", "application/pdf", ErrorCatalog.DocumentActiveContent, "/J")]
    [InlineData("pdf-javascript-in-object-stream.pdf", "application/pdf", ErrorCatalog.DocumentActiveContent, "/J")]
    [InlineData("pdf-attachment.pdf", "application/pdf", ErrorCatalog.DocumentEmbeddedFile, "/EmbeddedFile")]
    [InlineData("pdf-truncated.pdf", "application/pdf", ErrorCatalog.DocumentMalformed, "tronqué")]
    [InlineData("csv-renamed.pdf", "application/pdf", ErrorCatalog.DocumentTypeNotAccepted, "contenu")]
    [InlineData("not-odf.zip", "application/vnd.oasis.opendocument.text", ErrorCatalog.DocumentTypeNotAccepted, "contenu")]
    [InlineData("spreadsheet.ods", "application/vnd.oasis.opendocument.text", ErrorCatalog.DocumentTypeNotAccepted, "tableur")]
    [InlineData("odt-macro.odt", "application/vnd.oasis.opendocument.text", ErrorCatalog.DocumentMacro, "Basic")]
    [InlineData("odt-event-script.odt", "application/vnd.oasis.opendocument.text", ErrorCatalog.DocumentMacro, "script")]
    [InlineData("odt-embedded-object.odt", "application/vnd.oasis.opendocument.text", ErrorCatalog.DocumentEmbeddedFile, "Object 1")]
    public void AHostileDocument_IsRefused_WithItsCodeAndAReason(string file, string declared, string code, string inDetail)
    {
        var check = DocumentInspector.Inspect(Corpus(file), declared, Format);
        Assert.Null(check.MediaType);
        Assert.Equal(code, check.Refusal?.Code);
        Assert.Contains(inDetail, check.Refusal!.Detail, StringComparison.Ordinal);
        Assert.Contains("Rien n'a été enregistré", check.Refusal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void TheHiddenScript_IsReallyHidden_FromARawScan()
    {
        // The case is only worth something if the bytes do not show the names: the parser must find them.
        var bytes = System.Text.Encoding.Latin1.GetString(Corpus("pdf-javascript-in-object-stream.pdf"));
        Assert.DoesNotContain("JavaScript", bytes, StringComparison.Ordinal);
        Assert.DoesNotContain("/JS", bytes, StringComparison.Ordinal);
    }

    [Fact]
    public void APdfDeclaredAsOdt_IsRefused_AsAMismatch()
    {
        var check = DocumentInspector.Inspect(Sample, "application/vnd.oasis.opendocument.text", Format);
        Assert.Equal(ErrorCatalog.DocumentTypeMismatch, check.Refusal?.Code);
        Assert.Contains("application/pdf", check.Refusal!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOdt_ForAnExchangeThatTakesPdfOnly_IsRefused()
    {
        var check = DocumentInspector.Inspect(Corpus("document-clean.odt"), "application/vnd.oasis.opendocument.text", new DocFormat([DocumentTypes.Pdf], 1000));
        Assert.Equal(ErrorCatalog.DocumentTypeNotAccepted, check.Refusal?.Code);
    }

    [Theory]
    [InlineData(null, ErrorCatalog.DocumentMissingTitle)]
    [InlineData("   ", ErrorCatalog.DocumentMissingTitle)]
    [InlineData("Bilan\nannuel", ErrorCatalog.DocumentBadTitle)]
    [InlineData("Bilan \u202Efdp.exe", ErrorCatalog.DocumentBadTitle)]
    [InlineData("Liste 104332184 19605", ErrorCatalog.DocumentBadTitle)]
    [InlineData("Liste 104 332 184", ErrorCatalog.DocumentBadTitle)]
    public void ABadTitle_IsRefused(string? title, string code) => Assert.Equal(code, DocumentTitle.Check(title)?.Code);

    [Fact]
    public void ATitleOfTheMaximumLength_IsAccepted_OneMoreIsRefused()
    {
        Assert.Null(DocumentTitle.Check(new string('a', DocumentTitle.MaxLength)));
        Assert.Equal(ErrorCatalog.DocumentBadTitle, DocumentTitle.Check(new string('a', DocumentTitle.MaxLength + 1))?.Code);
        Assert.Null(DocumentTitle.Check("Bilan final 2025-2029 du CPOM SATM – volet 1b"));
    }
}
