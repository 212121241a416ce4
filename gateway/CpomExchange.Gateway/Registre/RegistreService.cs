using System.Globalization;
using CpomExchange.Documents;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Registre;

namespace CpomExchange.Gateway.Registre;

/// <summary>
/// Who gets which organisation's accountability documents, and the record of processing itself, for the
/// API and the console alike: a DPO (role <c>dpo</c>) those of their own organisation, an administrator
/// (role <c>admin</c>) those of any; nobody else. Each production is logged under the organisation concerned.
/// </summary>
internal sealed class RegistreService(PolicySet policies, AccessJournal journal, AccessDecisions decisions, TimeProvider time)
{
    /// <summary>The policy the record is built from (the one in force for this request).</summary>
    public PolicySet Policies => policies;

    /// <summary>The organisation whose documents <paramref name="caller"/> asks for (<paramref name="org"/>, else their own), or the refusal.</summary>
    public static Outcome<string> Scope(Caller caller, PolicySet policies, string? org)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(policies);
        if (caller.Roles.Contains(Roles.Admin))
        {
            org ??= caller.Organisation;
            if (org is null)
            {
                return new Refusal(ErrorCatalog.MissingParameter, "Indiquez l'organisation (paramètre org).");
            }
        }
        else if (caller.Roles.Contains(Roles.Dpo) && caller.Organisation is not null)
        {
            if (org is not null && org != caller.Organisation)
            {
                return new Refusal(ErrorCatalog.RoleNotAllowed, "Le DPO d'une organisation n'obtient que les documents de la sienne.");
            }
            org = caller.Organisation;
        }
        else
        {
            return NotAllowed;
        }
        return policies.Organisations.ContainsKey(org)
            ? org
            : new Refusal(ErrorCatalog.UnknownOrganisation, $"Organisation « {org} » inconnue de la politique.");
    }

    /// <summary>The refusal of a caller who is neither a DPO nor an administrator, or null (the console's guard).</summary>
    public static Refusal? NotDpoOrAdmin(Caller caller) =>
        caller.Roles.Contains(Roles.Admin) || (caller.Roles.Contains(Roles.Dpo) && caller.Organisation is not null) ? null : NotAllowed;

    private static Refusal NotAllowed => new(ErrorCatalog.RoleNotAllowed,
        "Les documents de conformité (registre, historique de la politique) sont produits pour le DPO de l'organisation (rôle dpo) ou un administrateur (rôle admin).");

    /// <summary>The record of <paramref name="organisation"/> with the contracts as on <paramref name="day"/> (default: the legal today); logged.</summary>
    public async Task<RecordOfProcessing> BuildAsync(HttpContext http, Caller caller, string organisation, DateOnly? day, string what)
    {
        var record = RegistreBuilder.Build(policies, organisation, day ?? decisions.Today, time.GetUtcNow());
        await journal.RecordAsync(http, caller, LogActions.AuditRead, null, null, record.Entries.Count, null, null, what, null, [organisation]);
        return record;
    }

    /// <summary>Writes the record as a download in <paramref name="format"/> (headers, then the body), logged first.</summary>
    public async Task DownloadAsync(HttpContext http, Caller caller, string organisation, RegistreFormat format, DateOnly? day)
    {
        var record = await BuildAsync(http, caller, organisation, day, "registre " + RegistreFormats.Extension(format));
        http.Response.ContentType = RegistreFormats.MediaType(format);
        http.Response.Headers.ContentDisposition =
            $"attachment; filename=\"registre-{organisation}-{record.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}.{RegistreFormats.Extension(format)}\"";
        await RegistreWriter.WriteAsync(record, format, http.Response.Body, http.RequestAborted);
    }
}
