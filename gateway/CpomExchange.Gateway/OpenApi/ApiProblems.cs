using CpomExchange.Rules.Errors;

namespace CpomExchange.Gateway.OpenApi;

/// <summary>
/// What each route of the API answers besides its success, for the OpenAPI document: the HTTP
/// statuses and, for each, the catalogue codes (<see cref="ErrorCatalog"/>) its problem documents
/// carry. Kept beside the document, not in the handlers, so that the handlers stay as they are; a
/// test fails when a route of the API has no entry here.
/// </summary>
internal static class ApiProblems
{
    /// <summary>What every route of <c>/api/v1</c> may answer, whatever it does.</summary>
    public static readonly IReadOnlyDictionary<int, string[]> Common = new Dictionary<int, string[]>
    {
        [401] = [ErrorCatalog.CertificateRequired, ErrorCatalog.UnknownCertificate, ErrorCatalog.AgentDisabled, ErrorCatalog.CertificateInvalid],
        [429] = [ErrorCatalog.RateLimited, ErrorCatalog.TooManyRefusals],
        [500] = [ErrorCatalog.Internal],
        [503] = [ErrorCatalog.KeysUnavailable, ErrorCatalog.StorageUnavailable],
    };

    private static readonly string[] Inputs = [ErrorCatalog.BadCharacter, ErrorCatalog.ObjectTooLong, ErrorCatalog.ParameterTooLong, ErrorCatalog.MissingPurpose, ErrorCatalog.UnknownPurpose];

    private static readonly string[] Policy =
    [
        ErrorCatalog.NoContract, ErrorCatalog.ContractNotInForce, ErrorCatalog.ExchangeNotInContract, ErrorCatalog.PurposeNotAllowed,
        ErrorCatalog.RoleNotAllowed, ErrorCatalog.DirectionNotAllowed, ErrorCatalog.NoOrganisation,
    ];

    private static readonly string[] CsvRows = ErrorCatalog.Codes.Where(c => c.StartsWith("csv.", StringComparison.Ordinal) && c != ErrorCatalog.InvalidFile).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Per route (<c>METHOD path</c>, as the document writes the path): status → codes.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<int, string[]>> ByRoute = new Dictionary<string, IReadOnlyDictionary<int, string[]>>(StringComparer.Ordinal)
    {
        ["POST /api/v1/datasets"] = new Dictionary<int, string[]>
        {
            [400] = [.. Inputs, ErrorCatalog.MissingParameter, ErrorCatalog.UnknownExchange, ErrorCatalog.UnknownOrganisation, ErrorCatalog.ReplyToInvalid, ErrorCatalog.ReplyToRequired, ErrorCatalog.BodyTooLarge,
                ErrorCatalog.DocumentMissingTitle, ErrorCatalog.DocumentBadTitle],
            [403] = [.. Policy, ErrorCatalog.LinkPurpose],
            [404] = [ErrorCatalog.ReplaceNotFound],
            [409] = [ErrorCatalog.ReplaceMismatch, ErrorCatalog.ReplaceGone],
            [413] = [ErrorCatalog.RequestTooLarge, ErrorCatalog.DocumentTooLarge],
            [415] = [ErrorCatalog.UnsupportedMediaType, ErrorCatalog.DocumentTypeNotAccepted, ErrorCatalog.DocumentTypeMismatch],
            [422] = [ErrorCatalog.InvalidFile, .. CsvRows, ErrorCatalog.ReportYearNotCovered, ErrorCatalog.NotTargeted, ErrorCatalog.NotInReply, ErrorCatalog.UnknownSignalement, ErrorCatalog.LinkPurpose, ErrorCatalog.UnknownPerson,
                ErrorCatalog.DocumentMalformed, ErrorCatalog.DocumentActiveContent, ErrorCatalog.DocumentEmbeddedFile, ErrorCatalog.DocumentMacro],
            [429] = [ErrorCatalog.TooManyConcurrent],
            [501] = [ErrorCatalog.ExchangeNotAvailable],
            [507] = [ErrorCatalog.SpoolFull],
        },
        ["GET /api/v1/inbox"] = new Dictionary<int, string[]> { [400] = Inputs },
        ["GET /api/v1/datasets/{id}"] = new Dictionary<int, string[]> { [400] = Inputs, [403] = Policy, [404] = [ErrorCatalog.DatasetNotFound] },
        ["GET /api/v1/datasets/{id}/content"] = new Dictionary<int, string[]>
        {
            [400] = Inputs, [403] = Policy, [404] = [ErrorCatalog.DatasetNotFound], [410] = [ErrorCatalog.DatasetPurged],
            [429] = [ErrorCatalog.TooManyConcurrent], [500] = [ErrorCatalog.DatasetCorrupted],
        },
        ["POST /api/v1/datasets/{id}/ack"] = new Dictionary<int, string[]> { [400] = Inputs, [403] = Policy, [404] = [ErrorCatalog.DatasetNotFound] },
        ["DELETE /api/v1/datasets/{id}"] = new Dictionary<int, string[]> { [403] = Policy, [404] = [ErrorCatalog.DatasetNotFound] },
        ["POST /api/v1/datasets/{id}/consent-withdrawals"] = new Dictionary<int, string[]>
        {
            [400] = [.. Inputs, ErrorCatalog.InvalidRequest, ErrorCatalog.ConsentNotApplicable], [403] = Policy, [404] = [ErrorCatalog.DatasetNotFound, ErrorCatalog.ConsentPersonNotFound],
            [409] = [ErrorCatalog.ConsentConflict], [410] = [ErrorCatalog.DatasetPurged],
        },
        ["GET /api/v1/me"] = new Dictionary<int, string[]>(),
        ["POST /api/v1/admin/agents"] = new Dictionary<int, string[]>
        {
            [400] = [ErrorCatalog.AdminInvalidRequest, ErrorCatalog.AdminBadCertificate, ErrorCatalog.AdminCertificateRefused, ErrorCatalog.OrganisationMismatch, ErrorCatalog.UnknownOrganisation],
            [403] = [ErrorCatalog.RoleNotAllowed], [409] = [ErrorCatalog.AdminAgentExists, ErrorCatalog.AdminCertificateInUse],
        },
        ["GET /api/v1/admin/agents"] = new Dictionary<int, string[]> { [403] = [ErrorCatalog.RoleNotAllowed] },
        ["GET /api/v1/admin/agents/{id}"] = new Dictionary<int, string[]> { [403] = [ErrorCatalog.RoleNotAllowed], [404] = [ErrorCatalog.AdminAgentNotFound] },
        ["PATCH /api/v1/admin/agents/{id}"] = new Dictionary<int, string[]>
        {
            [400] = [ErrorCatalog.AdminInvalidRequest, ErrorCatalog.AdminBadCertificate, ErrorCatalog.AdminCertificateRefused, ErrorCatalog.OrganisationMismatch, ErrorCatalog.UnknownOrganisation],
            [403] = [ErrorCatalog.RoleNotAllowed], [404] = [ErrorCatalog.AdminAgentNotFound], [409] = [ErrorCatalog.AdminCertificateInUse, ErrorCatalog.AdminSelfLockout],
        },
        ["POST /api/v1/admin/keys/rotate-kek"] = new Dictionary<int, string[]> { [403] = [ErrorCatalog.RoleNotAllowed] },
        ["GET /api/v1/admin/keys/rotate-kek"] = new Dictionary<int, string[]> { [403] = [ErrorCatalog.RoleNotAllowed], [404] = [ErrorCatalog.KeyRotationNotFound] },
        ["GET /api/v1/audit/entries"] = new Dictionary<int, string[]> { [400] = [ErrorCatalog.BadPaging], [403] = [ErrorCatalog.RoleNotAllowed] },
        ["GET /api/v1/audit/export"] = new Dictionary<int, string[]> { [400] = [ErrorCatalog.MissingParameter], [403] = [ErrorCatalog.RoleNotAllowed] },
        ["GET /api/v1/audit/verify"] = new Dictionary<int, string[]> { [403] = [ErrorCatalog.RoleNotAllowed] },
        ["GET /api/v1/audit/checkpoints"] = new Dictionary<int, string[]> { [403] = [ErrorCatalog.RoleNotAllowed] },
        ["GET /api/v1/audit/public-key"] = new Dictionary<int, string[]> { [403] = [ErrorCatalog.RoleNotAllowed] },
        ["GET /api/v1/audit/proofs/inclusion"] = new Dictionary<int, string[]> { [400] = [ErrorCatalog.MissingParameter], [403] = [ErrorCatalog.RoleNotAllowed], [404] = [ErrorCatalog.DatasetNotFound] },
        ["GET /api/v1/audit/proofs/consistency"] = new Dictionary<int, string[]> { [400] = [ErrorCatalog.MissingParameter], [403] = [ErrorCatalog.RoleNotAllowed], [404] = [ErrorCatalog.DatasetNotFound] },
        ["POST /api/v1/audit/subjects"] = new Dictionary<int, string[]> { [400] = [ErrorCatalog.MissingParameter], [403] = [ErrorCatalog.RoleNotAllowed] },
        ["GET /api/v1/outbox"] = new Dictionary<int, string[]> { [400] = Inputs },
        ["GET /api/v1/registre"] = new Dictionary<int, string[]>
        {
            [400] = [ErrorCatalog.MissingParameter, ErrorCatalog.RegistreBadFormat, ErrorCatalog.UnknownOrganisation], [403] = [ErrorCatalog.RoleNotAllowed],
        },
        ["GET /api/v1/policy/versions"] = new Dictionary<int, string[]> { [403] = [ErrorCatalog.RoleNotAllowed] },
        ["POST /api/v1/admin/authorisations"] = new Dictionary<int, string[]>
        {
            [400] = [ErrorCatalog.AuthorisationInvalid, ErrorCatalog.AuthorisationBadDates], [403] = [ErrorCatalog.RoleNotAllowed, ErrorCatalog.AuthorisationNotDiscloser],
            [409] = [ErrorCatalog.AuthorisationDuplicate, ErrorCatalog.AuthorisationOverlap],
        },
        ["GET /api/v1/admin/authorisations"] = new Dictionary<int, string[]> { [403] = [ErrorCatalog.RoleNotAllowed] },
        ["GET /api/v1/policy/diff"] = new Dictionary<int, string[]>
        {
            [400] = [ErrorCatalog.MissingParameter], [403] = [ErrorCatalog.RoleNotAllowed], [404] = [ErrorCatalog.PolicyVersionNotFound],
        },
        ["GET /api/v1/admin/notifications"] = new Dictionary<int, string[]> { [403] = [ErrorCatalog.RoleNotAllowed] },
        ["POST /api/v1/admin/notifications/{id}/retry"] = new Dictionary<int, string[]> { [403] = [ErrorCatalog.RoleNotAllowed], [404] = [ErrorCatalog.NotifyNotFound] },
        ["GET /api/v1/admin/notifications/addresses"] = new Dictionary<int, string[]> { [403] = [ErrorCatalog.RoleNotAllowed] },
        ["PUT /api/v1/admin/notifications/addresses/{organisation}/{role}"] = new Dictionary<int, string[]>
        {
            [400] = [ErrorCatalog.AdminInvalidRequest, ErrorCatalog.NotifyInvalidAddress, ErrorCatalog.NotifyUnknownEvent], [403] = [ErrorCatalog.RoleNotAllowed],
            [404] = [ErrorCatalog.UnknownOrganisation],
        },
        ["GET /api/v1/me/notifications"] = new Dictionary<int, string[]> { [403] = [ErrorCatalog.RoleNotAllowed] },
        ["PUT /api/v1/me/notifications"] = new Dictionary<int, string[]>
        {
            [400] = [ErrorCatalog.NotifyInvalidAddress, ErrorCatalog.NotifyUnknownEvent], [403] = [ErrorCatalog.RoleNotAllowed],
        },
        ["DELETE /api/v1/me/notifications"] = new Dictionary<int, string[]> { [403] = [ErrorCatalog.RoleNotAllowed] },
        ["GET /api/v1/indicators"] = new Dictionary<int, string[]>
        {
            [400] = [ErrorCatalog.MissingParameter, ErrorCatalog.ReportYearNotCovered], [403] = Policy,
            [429] = [ErrorCatalog.TooManyConcurrent], [500] = [ErrorCatalog.DatasetCorrupted],
        },
        ["GET /api/v1/targeting/comparison"] = new Dictionary<int, string[]>
        {
            [400] = [ErrorCatalog.MissingParameter], [403] = [.. Policy, ErrorCatalog.ComparisonNotParty],
            [429] = [ErrorCatalog.TooManyConcurrent], [500] = [ErrorCatalog.DatasetCorrupted],
        },
    };
}
