using System.Globalization;
using System.Net;
using System.Text;

namespace CpomExchange.Gateway.Notifications;

/// <summary>A rendered message: subject, plain-text part, HTML part.</summary>
internal sealed record NotificationMessage(string Subject, string Text, string Html);

/// <summary>
/// The wording of the messages, in French, short. What may appear is fixed here and nowhere else:
/// the exchange's label, the organisations' names, a date, a row count, the gateway's own dataset
/// reference and the link. Never a SIRET, a NIR, a person's name, a cell of the file or the
/// free-text object given at upload (which may name a case): none of them is ever passed in.
/// </summary>
internal static class NotificationContent
{
    private static readonly CultureInfo French = CultureInfo.GetCultureInfo("fr-FR");

    /// <summary>A message of a few paragraphs, with the link and the command that lead to the matter.</summary>
    public static NotificationMessage Compose(string subject, IReadOnlyList<string> paragraphs, string? link, string? command)
    {
        var text = new StringBuilder();
        text.Append("Bonjour,\n\n");
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(subject))
            .Append("</title></head><body><p>Bonjour,</p>");
        foreach (var paragraph in paragraphs)
        {
            text.Append(paragraph).Append("\n\n");
            html.Append("<p>").Append(WebUtility.HtmlEncode(paragraph)).Append("</p>");
        }
        if (link is not null)
        {
            text.Append("Dans la console : ").Append(link).Append('\n');
            html.Append("<p><a href=\"").Append(WebUtility.HtmlEncode(link)).Append("\">Ouvrir la console CpomExchange</a></p>");
        }
        if (command is not null)
        {
            text.Append("En ligne de commande : ").Append(command).Append('\n');
            html.Append("<p>En ligne de commande : <code>").Append(WebUtility.HtmlEncode(command)).Append("</code></p>");
        }
        const string footer = "Ce message ne contient aucune donnée du fichier. Il est envoyé automatiquement par la passerelle CpomExchange : n'y répondez pas.";
        text.Append('\n').Append(footer).Append('\n');
        html.Append("<p><small>").Append(WebUtility.HtmlEncode(footer)).Append("</small></p></body></html>");
        return new NotificationMessage(subject, text.ToString(), html.ToString());
    }

    /// <summary>A date and time in the gateway's legal time zone: « 01/12/2026 à 21:05 ».</summary>
    public static string DateTime(DateTime utc, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(System.DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);
        return local.ToString("dd/MM/yyyy 'à' HH:mm", French);
    }

    /// <summary>A date: « 30/06/2027 ».</summary>
    public static string Date(DateOnly date) => date.ToString("dd/MM/yyyy", French);

    /// <summary>A count with French digit grouping and the noun's plural: « 1 204 lignes ».</summary>
    public static string Rows(long rows) =>
        rows.ToString("N0", French) + (rows > 1 ? " lignes" : " ligne");

    /// <summary>
    /// What a dataset holds, for a message: its rows, or for a document its kind (« document PDF »),
    /// never its title (the sender wrote it; it stays in the gateway).
    /// </summary>
    public static string Extent(long rows, string? mediaType) => mediaType switch
    {
        null => Rows(rows),
        CpomExchange.Rules.Documents.DocumentTypes.Pdf => "document PDF",
        CpomExchange.Rules.Documents.DocumentTypes.OdfText => "document OpenDocument",
        _ => "document",
    };
}
