using CpomExchange.Gateway.Admin;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.Errors;

namespace CpomExchange.Gateway.WebConsole.Pages.Admin;

/// <summary>A page of the directory's administration: role <c>admin</c>, as the API decides (<see cref="DirectoryService.NotAdmin"/>).</summary>
internal abstract class AdminPage : RoleGuardedPage
{
    protected sealed override Refusal? Check(Caller caller) => DirectoryService.NotAdmin(caller);

    /// <summary>The certificate expires within this many days: the directory makes it stand out.</summary>
    public const int ExpiringDays = 30;
}
