using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Targeting;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CpomExchange.Gateway.WebConsole.Pages;

/// <summary>
/// Ciblage: for one contract, the companies targeted by both the caisse and the SPSTI, by one only, as
/// the API's <c>GET /api/v1/targeting/comparison</c> computes them (the same
/// <see cref="TargetingComparisons"/>: the same decision, the same versions, the same log entries).
/// </summary>
internal sealed class CiblageModel(TargetingComparisons comparisons, PolicySet policies) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "contrat")]
    public string? ContractId { get; set; }

    public TargetingComparisonResponse? Comparison { get; private set; }

    public ProblemHttpResult? Refusal { get; private set; }

    public ConsoleLabels Labels { get; } = new(policies);

    /// <summary>The contracts of which the caller's organisation is the caisse or the SPSTI and that name both lists.</summary>
    public IReadOnlyList<Contract> Contracts =>
        policies.Contracts.Where(c => (c.Caisse == Caller.From(User).Organisation || c.Spsti == Caller.From(User).Organisation)
            && c.Exchanges.ContainsKey(TargetingComparison.CaisseList) && c.Exchanges.ContainsKey(TargetingComparison.SpstiList))
            .OrderBy(c => c.Title).ToList();

    public async Task OnGetAsync()
    {
        if (ContractId is null)
        {
            return;
        }
        var (value, refusal) = await comparisons.CompareAsync(HttpContext, ContractId);
        (Comparison, Refusal) = (value, refusal);
        if (refusal is not null)
        {
            Response.StatusCode = refusal.StatusCode;
        }
    }
}
