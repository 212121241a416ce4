using System.Globalization;
using CpomExchange.Rules.Registre;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace CpomExchange.Documents;

/// <summary>
/// The record of processing as an Office Open XML workbook, laid out like the CNIL's model registre:
/// a sheet "Responsable" (the controller, its DPO, the policy version, the common security measures)
/// and a sheet "Traitements" (one row per processing, one column per item of art. 30(1)).
/// Text cells are inline strings: no shared-string table to keep in step.
/// </summary>
internal static class RegistreSpreadsheet
{
    /// <summary>The columns of the sheet "Traitements", in order.</summary>
    internal static readonly string[] Columns =
    [
        "Référence", "Traitement", "Rôle", "Contrat", "Période du contrat", "Avenants en vigueur", "Contrepartie(s)", "Finalité(s) et bases légales",
        "Personnes concernées", "Catégories de données", "Données sensibles", "Destinataires", "Transferts hors UE", "Durée de conservation",
        "Conservation (jours)", "Responsabilité (RGPD art. 26)", "DPO répondant aux personnes", "Communication à un tiers", "Mesures propres",
    ];

    public static void Write(RecordOfProcessing record, Stream output)
    {
        using var document = SpreadsheetDocument.Create(output, SpreadsheetDocumentType.Workbook);
        var workbook = document.AddWorkbookPart();
        workbook.Workbook = new Workbook();
        var sheets = workbook.Workbook.AppendChild(new Sheets());
        AddSheet(workbook, sheets, 1, "Responsable", ControllerSheet(record));
        AddSheet(workbook, sheets, 2, "Traitements", ProcessingSheet(record));
        workbook.Workbook.Save();
    }

    /// <summary>The rows of the sheet "Responsable" (shared with the OpenDocument spreadsheet).</summary>
    internal static List<string[]> ControllerSheet(RecordOfProcessing record)
    {
        var c = record.Controller;
        var controller = new List<string[]>
        {
            new[] { "Registre des activités de traitement (RGPD art. 30(1))", string.Empty },
            new[] { "Responsable de traitement", $"{c.Name} ({c.Kind})" },
            new[] { "SIREN", c.Siren },
            new[] { "Identifiant dans la politique", c.Id },
            new[] { "Délégué à la protection des données", RegistreWriter.Dpo(c.Dpo) },
            new[] { "Contrats lus à la date du", RegistreWriter.Date(record.Day) },
            new[] { "Version de la politique (empreinte)", record.PolicyHash },
            new[] { "Établi le (UTC)", record.GeneratedAt.UtcDateTime.ToString("dd/MM/yyyy HH:mm", CultureInfo.InvariantCulture) },
            new[] { "Nombre de traitements", record.Entries.Count.ToString(CultureInfo.InvariantCulture) },
        };
        controller.AddRange(record.SecurityMeasures.Select((m, i) => new[] { i == 0 ? "Mesures de sécurité (art. 32)" : string.Empty, m }));
        return controller;
    }

    /// <summary>The rows of the sheet "Traitements": the header, then one row per processing.</summary>
    internal static List<string[]> ProcessingSheet(RecordOfProcessing record)
    {
        var rows = new List<string[]> { Columns };
        rows.AddRange(record.Entries.Select(e => new[]
        {
            e.Number, e.ExchangeLabel + " (" + e.ExchangeType + ")", RegistreWriter.RoleLabel(e.Role), $"{e.ContractTitle} ({e.Contract})",
            $"du {RegistreWriter.Date(e.From)} au {RegistreWriter.Date(e.To)}", string.Join(" ; ", e.Amendments), RegistreWriter.Counterparts(e),
            RegistreWriter.Purposes(e), string.Join(" ; ", e.DataSubjects), string.Join(", ", e.DataCategories), RegistreWriter.Sensitive(e),
            string.Join(" ; ", e.Recipients), e.Transfers, e.Retention, e.RetentionDays.ToString(CultureInfo.InvariantCulture), e.Controllership.Statement,
            $"{e.Controllership.RespondingOrganisation} : {e.Controllership.RespondingDpo}", e.Disclosure ?? string.Empty, string.Join(" ; ", e.Measures),
        }));
        return rows;
    }

    private static void AddSheet(WorkbookPart workbook, Sheets sheets, uint id, string name, IEnumerable<string[]> rows)
    {
        var part = workbook.AddNewPart<WorksheetPart>();
        var data = new SheetData();
        uint index = 1;
        foreach (var values in rows)
        {
            var row = new Row { RowIndex = index };
            for (var i = 0; i < values.Length; i++)
            {
                row.Append(new Cell
                {
                    CellReference = ColumnName(i) + index.ToString(CultureInfo.InvariantCulture),
                    DataType = CellValues.InlineString,
                    InlineString = new InlineString(new Text(values[i]) { Space = SpaceProcessingModeValues.Preserve }),
                });
            }
            data.Append(row);
            index++;
        }
        part.Worksheet = new Worksheet(data);
        sheets.Append(new Sheet { Id = workbook.GetIdOfPart(part), SheetId = id, Name = name });
    }

    /// <summary>A, B, ..., Z, AA, ...</summary>
    internal static string ColumnName(int index)
    {
        var name = string.Empty;
        for (var n = index + 1; n > 0; n = (n - 1) / 26)
        {
            name = (char)('A' + ((n - 1) % 26)) + name;
        }
        return name;
    }
}
