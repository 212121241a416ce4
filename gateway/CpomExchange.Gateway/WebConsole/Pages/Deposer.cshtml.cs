using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Gateway.Me;
using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace CpomExchange.Gateway.WebConsole.Pages;

/// <summary>A received list that a file of <paramref name="AnsweredBy"/> may answer (<c>replyTo</c>), as the form offers it.</summary>
internal sealed record AnswerableList(string Id, string AnsweredBy, string Label);

/// <summary>
/// Déposer un fichier: the exchange, recipient and purpose among those the contracts in force open
/// to the caller's roles (the server decides again), the optional object and answered list, the file.
/// The form is read as it arrives (multipart, fields first, the file last and streamed into the
/// API's upload through <see cref="ConsoleUpload"/>): no file part is buffered, in memory or on disk.
/// The antiforgery token is checked from the form's first field before the file is read; the framework's
/// own check, which would read (and buffer) the whole form first, is therefore replaced by this one.
/// </summary>
[IgnoreAntiforgeryToken]
internal sealed class DeposerModel(PolicySet policies, AccessDecisions decisions, DatasetOperations operations, IAntiforgery antiforgery,
    IOptions<AntiforgeryOptions> antiforgeryOptions) : PageModel
{
    /// <summary>The longest value of a form field other than the file.</summary>
    public const int MaxFieldLength = 4096;

    /// <summary>The exchanges the caller may send, with their recipients and purposes (the API's <c>/me</c>).</summary>
    public IReadOnlyList<MeExchange> Sendable { get; private set; } = [];

    public UploadFields? Posted { get; private set; }

    /// <summary>The receipt of an accepted file (one dataset, or several for a region-wide file).</summary>
    public IReadOnlyList<DatasetInfo> Receipt { get; private set; } = [];

    /// <summary>How a region-wide file was split, when it was.</summary>
    public SplitUploadResponse? Split { get; private set; }

    public ProblemHttpResult? Refusal { get; private set; }

    /// <summary>The errors of a refused file, by line, paged.</summary>
    public ErrorReport? Report { get; private set; }

    /// <summary>
    /// The received lists a file may answer: those of the exchanges a <c>reply-to</c> rule links to what
    /// the caller may send, sent for that rule's purpose by a counterpart the caller may answer, still
    /// available (read through the inbox's own listing, logged as one). The server checks the link again.
    /// </summary>
    public IReadOnlyList<AnswerableList> Answerable { get; private set; } = [];

    public ConsoleLabels Labels { get; } = new(policies);

    public TimeZoneInfo Zone => decisions.Zone;

    public async Task OnGetAsync()
    {
        Describe();
        await ListAnswerableAsync();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        Describe();
        if (!MediaTypeHeaderValue.TryParse(Request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            return BadRequest();
        }
        var reader = new MultipartReader(boundary, Request.Body);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var tokenChecked = false;
        MultipartSection? file = null;
        while (await reader.ReadNextSectionAsync(HttpContext.RequestAborted) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || HeaderUtilities.RemoveQuotes(disposition.Name).Value is not { } name)
            {
                return BadRequest();
            }
            if (!tokenChecked)
            {
                // The token comes first: nothing else is read from a post without a valid one.
                if (disposition.IsFileDisposition() || name != antiforgeryOptions.Value.FormFieldName || !await ValidTokenAsync(await ReadFieldAsync(section)))
                {
                    return BadRequest();
                }
                tokenChecked = true;
                continue;
            }
            if (disposition.IsFileDisposition())
            {
                file = section;
                break;
            }
            fields[name] = await ReadFieldAsync(section);
        }
        if (!tokenChecked)
        {
            return BadRequest();
        }
        Posted = new UploadFields(Field(fields, "echange"), Field(fields, "destinataire"), Field(fields, "finalite"), Field(fields, "objet"), Field(fields, "reponse"));
        if (file is null)
        {
            Show(Problem.Of(400, ErrorCatalog.MissingParameter, "Choisissez le fichier à déposer."));
        }
        else
        {
            Show(await ConsoleUpload.SendAsync(HttpContext, Posted, file.Body));
        }
        await ListAnswerableAsync();
        return Page();
    }

    /// <summary>
    /// Validates the form's token against the antiforgery cookie. The framework's check reads the
    /// token from its header before it would read the form: given the token there, it validates it
    /// without reading (and buffering) the rest of the body.
    /// </summary>
    private async Task<bool> ValidTokenAsync(string token)
    {
        if (antiforgeryOptions.Value.HeaderName is not { } header || token.Length == 0)
        {
            return false;
        }
        Request.Headers[header] = token;
        return await antiforgery.IsRequestValidAsync(HttpContext);
    }

    private void Show(IResult result)
    {
        var answer = UploadAnswer.From(result);
        Receipt = answer.Receipt;
        Split = answer.Split;
        Refusal = answer.Refusal;
        if (answer.Refusal is { } refused)
        {
            Response.StatusCode = refused.StatusCode;
            Report = answer.Errors.Count > 0 ? new ErrorReport(answer.Errors, answer.ErrorCount) : null;
        }
    }

    private async Task ListAnswerableAsync()
    {
        var links = Sendable
            .SelectMany(e => policies.Exchanges[e.Type].Minimisation.Where(r => r.Rule == MinimisationRules.ReplyTo)
                .Select(r => (Answering: e.Type, Counterpart: e.Counterpart, Rule: r)))
            .ToList();
        if (links.Count == 0)
        {
            return;
        }
        var lists = new List<AnswerableList>();
        foreach (var listed in links.Select(l => l.Rule.Exchange).Distinct(StringComparer.Ordinal))
        {
            var inbox = await operations.InboxAsync(HttpContext, null, null, new DatasetFilter(Type: listed));
            foreach (var d in inbox.Value ?? [])
            {
                var answering = links.FirstOrDefault(l => l.Rule.Exchange == d.Type && l.Rule.Purpose == d.Purpose && l.Counterpart == d.From
                    && d.Status == CpomExchange.Infrastructure.Storage.DatasetStatus.Available);
                if (answering.Answering is not null)
                {
                    lists.Add(new AnswerableList(d.Id, answering.Answering,
                        $"{Labels.Exchange(d.Type)} de {Labels.Organisation(d.From)}, reçue le {Formats.Moment(d.CreatedAt, Zone)} ({Formats.Number(d.Rows)} ligne(s)){(d.Object is null ? "" : $", « {d.Object} »")} – {d.Id}"));
                }
            }
        }
        Answerable = lists;
    }

    private void Describe()
    {
        var me = MeApi.Describe(Caller.From(User), policies, decisions.Today);
        Sendable = me.Contracts.SelectMany(c => c.Exchanges).Where(e => e.Actions.Contains("send")).ToList();
    }

    private static async Task<string> ReadFieldAsync(MultipartSection section)
    {
        using var text = new StreamReader(section.Body);
        var buffer = new char[MaxFieldLength + 1];
        var read = await text.ReadBlockAsync(buffer);
        if (read > MaxFieldLength)
        {
            throw new BadHttpRequestException("Champ de formulaire trop long.");
        }
        return new string(buffer, 0, read);
    }

    private static string? Field(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
