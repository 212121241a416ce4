using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Pseudonymisation;
using CsvHelper;
using Microsoft.AspNetCore.Mvc;
using Problem = CpomExchange.Gateway.Problems.Problem;

namespace CpomExchange.Gateway.WebConsole.Pages.Signalements;

/// <summary>
/// A signalement's (or a retour's) page: its metadata and history (the API's metadata read); for its
/// recipient, the persons it names, read under the download's conditions and log (the recipient, for
/// the purpose <c>pdp</c>, logged under both controllers), each person's NIR shown only as its keyed
/// pseudonym; the acknowledgement; and, for each person, a retour (statut, date, commentaire) sent as
/// a one-row <c>retour-signalement</c> file through the API's upload, whose rule checks that the
/// reference names a person of a signalement addressed to the caller.
/// </summary>
internal sealed class DetailsModel(DatasetOperations operations, PolicySet policies, AccessDecisions decisions, Pseudonymiser pseudonymiser,
    AccessJournal journal, CpomDbContext db) : SignalementsPage(journal, db)
{
    /// <summary>The most persons shown on the page (a signalement names a few; the file holds them all).</summary>
    public const int MaxPersons = 500;

    protected override string GuardAction => LogActions.ReadMetadata;

    public DatasetDetails? Details { get; private set; }

    /// <summary>The persons read (delivered header, rows with identifiers pseudonymised), once the recipient asked to read them.</summary>
    public DatasetRows? Persons { get; private set; }

    /// <summary>What was just done (<c>accuse</c>), to confirm it.</summary>
    [BindProperty(SupportsGet = true, Name = "fait")]
    public string? Done { get; set; }

    /// <summary>The answer to a retour just sent.</summary>
    public UploadAnswer? Answer { get; private set; }

    /// <summary>The reference of the person a retour was just sent for.</summary>
    public string? AnsweredReference { get; private set; }

    public ConsoleLabels Labels { get; } = new(policies);

    public TimeZoneInfo Zone => decisions.Zone;

    /// <summary>The statuses a retour may give (the catalogue's list).</summary>
    public IReadOnlyList<string> Statuses =>
        policies.Exchanges[Retours].Schema.Columns.Single(c => c.Name == "statut").Values?.ToList() ?? [];

    /// <summary>True when the caller's organisation received this file.</summary>
    public bool Received => Details is { } d && d.Info.To == Caller.From(User).Organisation;

    /// <summary>True while the file's content exists.</summary>
    public bool Available => Details?.Info.Status == DatasetStatus.Available;

    /// <summary>True when the caller may answer the persons of this signalement (the policy's decision for a retour to its sender).</summary>
    public bool CanAnswer => Details is { } d && Received && d.Info.Type == ReportingPolicy.Signalements && AccessPolicy.Decide(policies,
        new AccessRequest(Caller.From(User).Roles, Caller.From(User).Organisation, DataAction.Send, Retours, d.Info.From, Purpose, decisions.Today)).Allowed;

    public async Task OnGetAsync(string id) => await LoadAsync(id);

    /// <summary>Reads the persons, for the purpose <c>pdp</c> (any other is refused, and logged).</summary>
    public async Task<IActionResult> OnPostLireAsync(string id, string? finalite)
    {
        if (!await LoadAsync(id))
        {
            return Page();
        }
        var read = await operations.ReadRowsAsync(HttpContext, id, finalite, null, MaxPersons);
        if (read.Refusal is { } refused)
        {
            Refuse(refused);
            return Page();
        }
        Persons = Pseudonymise(read.Value!);
        return Page();
    }

    /// <summary>Acknowledges receipt for <paramref name="finalite"/>, then shows the file again.</summary>
    public async Task<IActionResult> OnPostAccuserAsync(string id, string? finalite)
    {
        var acknowledged = await operations.AcknowledgeAsync(HttpContext, id, finalite, null);
        if (acknowledged.Refusal is { } refused)
        {
            await LoadAsync(id);
            Refuse(refused);
            return Page();
        }
        return Redirect($"/Signalements/{Uri.EscapeDataString(id)}?fait=accuse");
    }

    /// <summary>
    /// Sends the retour of one person: <paramref name="reference"/> (a row of this signalement),
    /// <paramref name="statut"/>, <paramref name="date"/>, <paramref name="commentaire"/>, as the file a
    /// service would upload, to the signalement's sender. The upload checks and logs it as the API's.
    /// </summary>
    public async Task<IActionResult> OnPostRepondreAsync(string id, string? reference, string? statut, string? date, string? commentaire)
    {
        if (!await LoadAsync(id))
        {
            return Page();
        }
        var info = Details!.Info;
        if (!Received || info.Type != ReportingPolicy.Signalements)
        {
            Refuse(Problem.Of(403, ErrorCatalog.DirectionNotAllowed, "Seul le destinataire d'un signalement y répond, personne par personne."));
            return Page();
        }
        if (reference is null || !reference.StartsWith(info.Id + ":", StringComparison.Ordinal) || string.IsNullOrWhiteSpace(statut) || string.IsNullOrWhiteSpace(date))
        {
            Refuse(Problem.Of(400, ErrorCatalog.MissingParameter, "Indiquez la personne (sa référence dans ce signalement), le statut et la date du retour : rien n'a été envoyé."));
            return Page();
        }
        byte[] file;
        using (var buffer = new MemoryStream())
        {
            await using (var csv = CsvWriter.Create(buffer, CsvIngestor.OutputOptions, leaveOpen: true))
            {
                csv.WriteHeader(policies.Exchanges[Retours].Schema.Columns.Select(c => c.Name).ToArray());
                await csv.WriteRecordAsync([reference, statut.Trim(), date.Trim(), commentaire?.Trim() ?? string.Empty], HttpContext.RequestAborted);
            }
            file = buffer.ToArray();
        }
        AnsweredReference = reference;
        using var content = new MemoryStream(file, writable: false);
        Answer = UploadAnswer.From(await ConsoleUpload.SendAsync(HttpContext, new UploadFields(Retours, info.From, Purpose, null, null), content));
        if (Answer.Refusal is { } refused)
        {
            Refuse(refused);
        }
        return Page();
    }

    private async Task<bool> LoadAsync(string id)
    {
        var details = await operations.DetailsAsync(HttpContext, id, null, null);
        if (details.Refusal is { } refused)
        {
            Refuse(refused);
            return false;
        }
        if (!Exchanges.Contains(details.Value!.Info.Type))
        {
            // Another file of the organisation: its own page is /Fichiers/{id}; this one shows only signalements.
            Refuse(Problem.Of(404, ErrorCatalog.DatasetNotFound, "Ce fichier n'est ni un signalement ni un retour : consultez-le depuis « Fichiers reçus » ou « Fichiers envoyés »."));
            return false;
        }
        Details = details.Value;
        return true;
    }

    /// <summary>The rows with every identifier of a person replaced by its keyed pseudonym: the page never shows a NIR in clear.</summary>
    private DatasetRows Pseudonymise(DatasetRows read)
    {
        var columns = policies.Exchanges[read.Info.Type].Schema.Columns;
        var kinds = read.Header.Select(name => columns.FirstOrDefault(c => c.Name == name) is { Pseudonymised: true } spec
            ? spec.Kind == ColumnKind.Nir ? IdentifierKind.Nir : IdentifierKind.Siret
            : (IdentifierKind?)null).ToArray();
        var rows = read.Rows.Select(row => row.Select((cell, i) => i < kinds.Length && kinds[i] is { } kind && cell.Length > 0
            ? pseudonymiser.Pseudonym(kind, cell)
            : cell).ToArray()).ToList();
        return read with { Rows = rows };
    }

    /// <summary>The French heading of a delivered column.</summary>
    public static string Heading(string column) => column switch
    {
        "reference" => "Référence",
        "nir" => "NIR (pseudonyme)",
        "nom" => "Nom",
        "prenom" => "Prénom",
        "date_naissance" => "Date de naissance",
        "telephone" => "Téléphone",
        "email" => "Courriel",
        "siret_employeur" => "SIRET de l'employeur",
        "en_arret" => "En arrêt",
        "date_debut_arret" => "Début de l'arrêt",
        "motif" => "Motif",
        "niveau_complexite" => "Niveau de complexité",
        "consentement" => "Consentement",
        "date_consentement" => "Date du consentement",
        "emetteur_nom" => "Émetteur",
        "emetteur_contact" => "Contact de l'émetteur",
        "statut" => "Statut",
        "date" => "Date",
        "commentaire" => "Commentaire",
        _ => column,
    };
}
