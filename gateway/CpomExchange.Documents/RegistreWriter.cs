using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Registre;

namespace CpomExchange.Documents;

/// <summary>
/// Renders a <see cref="RecordOfProcessing"/> (built from the policy by <see cref="RegistreBuilder"/>)
/// as a spreadsheet (Office or OpenDocument), Markdown or JSON. Nothing here adds content: every cell comes from the record.
/// </summary>
public static class RegistreWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Writes <paramref name="record"/> to <paramref name="output"/> in <paramref name="format"/>.</summary>
    public static async Task WriteAsync(RecordOfProcessing record, RegistreFormat format, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(output);
        switch (format)
        {
            case RegistreFormat.Json:
                await JsonSerializer.SerializeAsync(output, record, Json, cancellationToken);
                break;
            case RegistreFormat.Markdown:
                var bytes = new UTF8Encoding(false).GetBytes(Markdown(record));
                await output.WriteAsync(bytes, cancellationToken);
                break;
            case RegistreFormat.Ods:
                // Sizes in each local header (seekable), so no data descriptor after the stored mimetype.
                using (var buffer = new MemoryStream())
                {
                    RegistreOds.Write(record, buffer);
                    buffer.Position = 0;
                    await buffer.CopyToAsync(output, cancellationToken);
                }
                break;
            default:
                // The SDK wants a seekable stream (a ZIP package); an HTTP response is not one.
                using (var buffer = new MemoryStream())
                {
                    RegistreSpreadsheet.Write(record, buffer);
                    buffer.Position = 0;
                    await buffer.CopyToAsync(output, cancellationToken);
                }
                break;
        }
    }

    /// <summary>The record in Markdown.</summary>
    public static string Markdown(RecordOfProcessing record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var c = record.Controller;
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Registre des activités de traitement — {c.Name}");
        md.AppendLine();
        md.AppendLine("Établi par la passerelle CpomExchange à partir de la politique en vigueur (RGPD art. 30(1)) ; ne le modifiez pas à la main : il se régénère.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Responsable de traitement : {c.Name} ({c.Kind}, SIREN {c.Siren}, identifiant {c.Id})");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Délégué à la protection des données : {Dpo(c.Dpo)}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Contrats lus à la date du : {Date(record.Day)}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Version de la politique : `{record.PolicyHash}`");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Établi le : {record.GeneratedAt.UtcDateTime.ToString("dd/MM/yyyy HH:mm", CultureInfo.InvariantCulture)} UTC");
        md.AppendLine();
        md.AppendLine("## Mesures de sécurité (art. 32), communes à tous les traitements");
        md.AppendLine();
        foreach (var measure in record.SecurityMeasures)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {measure}");
        }
        if (record.Entries.Count == 0)
        {
            md.AppendLine();
            md.AppendLine("Aucun traitement : l'organisation n'est partie à aucun contrat de la politique et ne reçoit aucune communication autorisée.");
        }
        foreach (var e in record.Entries)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"## {e.Number} — {e.ExchangeLabel} ({RoleLabel(e.Role)})");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"- Contrat : {e.ContractTitle} (`{e.Contract}`), du {Date(e.From)} au {Date(e.To)}");
            if (e.Amendments.Count > 0)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- Avenants en vigueur : {string.Join(" ; ", e.Amendments)}");
            }
            md.AppendLine(CultureInfo.InvariantCulture, $"- Échange : `{e.ExchangeType}` ; {c.Name} en est {RoleLabel(e.Role).ToLowerInvariant()}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- {(e.Role == ProcessingRole.Sender ? "Destinataire(s)" : "Expéditeur(s)")} : {Counterparts(e)}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- Finalité(s) et bases légales : {Purposes(e)}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- Personnes concernées : {string.Join(" ; ", e.DataSubjects)}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- Données : {string.Join(", ", e.DataCategories)}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- Données sensibles : {Sensitive(e)}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- Destinataires : {string.Join(" ; ", e.Recipients)}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- Transferts hors UE : {e.Transfers}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- Durée de conservation : {e.Retention}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- Responsabilité : {e.Controllership.Statement}");
            if (e.Disclosure is not null)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- Communication à un tiers : {e.Disclosure}");
            }
            if (e.Measures.Count > 0)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- Mesures propres à ce traitement : {string.Join(" ; ", e.Measures)}");
            }
        }
        return md.ToString();
    }

    internal static string RoleLabel(ProcessingRole role) => role == ProcessingRole.Sender ? "Expéditeur" : "Destinataire";

    internal static string Date(DateOnly day) => day.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture);

    internal static string Dpo(DpoContact? dpo) => dpo?.ToString() ?? "non renseigné (organisations.yaml, champ dpo)";

    internal static string Counterparts(ProcessingEntry e) => string.Join(", ", e.Counterparts.Select(x => $"{x.Name} ({x.Kind})"));

    internal static string Purposes(ProcessingEntry e) =>
        string.Join(" ; ", e.Purposes.Select(p => $"{p.Label} [{p.Code}] — RGPD : {p.Rgpd}" + (string.IsNullOrEmpty(p.CodeDuTravail) ? string.Empty : $" ; {p.CodeDuTravail}")));

    internal static string Sensitive(ProcessingEntry e) => e.HealthData ? "Oui : données de santé (RGPD art. 9)" : "Non";
}
