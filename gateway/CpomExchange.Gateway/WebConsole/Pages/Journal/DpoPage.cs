using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.Errors;

namespace CpomExchange.Gateway.WebConsole.Pages.Journal;

/// <summary>A page of the DPO's review: role <c>dpo</c>, own organisation only, as the API decides (<see cref="AuditService.NotDpo"/>).</summary>
internal abstract class DpoPage : RoleGuardedPage
{
    protected sealed override Refusal? Check(Caller caller) => AuditService.NotDpo(caller);
}
