using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Datasets;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.WebConsole.Pages.Journal;

/// <summary>
/// Exporter: CSV (for a spreadsheet) of the entries matching the listing's filters, or JSON Lines of
/// the whole log with its checkpoints and public key, for <c>cpom audit verify FILE</c>: the same
/// export as the API's, written and logged by <see cref="AuditService"/>.
/// </summary>
internal sealed class ExportModel(AuditService audit, AccessDecisions decisions) : DpoPage
{
    [BindProperty(SupportsGet = true)] public string? Format { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? Du { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? Au { get; set; }
    [BindProperty(SupportsGet = true)] public string? Agent { get; set; }
    [BindProperty(SupportsGet = true)] public string? Action { get; set; }
    [BindProperty(SupportsGet = true)] public string? Echange { get; set; }
    [BindProperty(SupportsGet = true)] public string? Resultat { get; set; }
    [BindProperty(SupportsGet = true)] public string? Finalite { get; set; }
    [BindProperty(SupportsGet = true)] public string? Jeu { get; set; }
    [BindProperty(SupportsGet = true)] public string? Contrepartie { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var format = Format ?? "jsonl";
        if (AuditService.CheckExport(Caller, format) is { } refused)
        {
            return Refuse(refused);
        }
        if (IndexModel.FilterOf(Du, Au, Agent, Action, Echange, Resultat, Finalite, Jeu, Contrepartie, decisions.Zone, ModelState.IsValid) is not { } filter)
        {
            return Refuse(IndexModel.BadPeriod);
        }
        var organisation = Caller.Organisation!;
        Response.Headers.ContentDisposition = $"attachment; filename=\"journal-{organisation}.{format}\"";
        Response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8";
        await audit.WriteExportAsync(HttpContext, Caller, format, filter.Any ? filter.Filter : null, Response.Body);
        return new EmptyResult();
    }
}
