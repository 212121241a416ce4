using System.Text.RegularExpressions;

namespace CpomExchange.Gateway.Tests.Notifications;

/// <summary>What a notification may never carry: a SIRET or SIREN (any run of nine digits or more), a NIR (Corsica's too), a value of the file.</summary>
internal static partial class MailScan
{
    /// <summary>Every decoded text of the message: headers, subject, plain-text and HTML parts; the gateway's own dataset reference blanked.</summary>
    public static string Decoded(ReceivedMail mail, string datasetId) =>
        string.Join('\n', [.. mail.Message.Headers.Select(h => h.Value), mail.Message.Subject, mail.Text, mail.Html]).Replace(datasetId, "<ref>", StringComparison.Ordinal);

    public static void AssertNoIdentifier(ReceivedMail mail, string datasetId, IReadOnlyCollection<string> fileValues)
    {
        var text = Decoded(mail, datasetId);
        // Spaces and non-breaking spaces removed: "356 000 000 00048" is a SIRET too.
        var joined = text.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\u00A0", string.Empty, StringComparison.Ordinal)
            .Replace("\u202F", string.Empty, StringComparison.Ordinal);
        Assert.Empty(NineDigitsOrMore().Matches(joined).Select(m => m.Value));
        Assert.Empty(CorsicanNir().Matches(joined).Select(m => m.Value));
        Assert.NotEmpty(fileValues);
        foreach (var value in fileValues)
        {
            Assert.DoesNotContain(value, text, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>True when the scan would catch <paramref name="identifier"/> (the scan is not vacuous).</summary>
    public static bool Catches(string identifier) =>
        NineDigitsOrMore().IsMatch(identifier.Replace(" ", string.Empty, StringComparison.Ordinal)) || CorsicanNir().IsMatch(identifier);

    [GeneratedRegex(@"\d{9,}")]
    private static partial Regex NineDigitsOrMore();

    [GeneratedRegex(@"[12]\d{4}2[AB]\d{8}", RegexOptions.IgnoreCase)]
    private static partial Regex CorsicanNir();
}
