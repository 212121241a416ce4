namespace CpomExchange.Gateway.OpenApi;

/// <summary>The English texts of the OpenAPI document, for integrators (the API's own answers are in French).</summary>
internal static class ApiTexts
{
    public const string Document =
        "The gateway through which occupational-health services (SPSTI), social-security funds (CARSAT/CGSS) and the DREETS " +
        "exchange the files their CPOM contracts require. Every request needs mutual TLS: a client certificate of the " +
        "configured CA, registered to an agent of the directory (the health probes need only the certificate). Every " +
        "exchange needs a contract in force between the two organisations, naming the exchange and the purpose. Refusals " +
        "are `application/problem+json` documents with a stable `code`; their `title` and `detail` are in French. " +
        "Every action, allowed or refused, is written to the access log of each data controller concerned.";

    /// <summary>Per route (<c>METHOD /path</c>): a summary and a description.</summary>
    public static readonly IReadOnlyDictionary<string, (string Summary, string Description)> Operations = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        ["POST /api/v1/datasets"] = ("Upload a dataset",
            "Sends a CSV file (`text/csv`, UTF-8 or Windows-1252, `;` or `,`) of exchange `type` to organisation `to` for `purpose`. " +
            "The body is streamed, validated row by row against the exchange's schema, minimised, pseudonymised and masked as the " +
            "exchange's rules say, encrypted and stored; one bad row rejects the whole file (422, each bad line listed in `errors`) " +
            "and nothing is kept. A region-wide file whose exchange splits by adherents may omit `to`: it is split between the SPSTI " +
            "and the answer lists each share. The `document` exchange takes a PDF (`application/pdf`) or an OpenDocument text " +
            "(`application/vnd.oasis.opendocument.text`) with `title`: its type is decided by its content, and a script, launch " +
            "action, attached file, macro or embedded object refuses it. With `replaces`, the upload corrects an earlier dataset of the " +
            "same exchange and recipient sent by the caller's organisation, which is withdrawn and destroyed when this one is stored."),
        ["GET /api/v1/inbox"] = ("List the inbox", "The datasets addressed to the caller's organisation that its roles may see, newest first (at most 1,000). The listing is logged."),
        ["GET /api/v1/datasets/{id}"] = ("Read a dataset's metadata", "For its sender or its recipient: type, parties, purpose, rows, digest, status. The read is logged."),
        ["GET /api/v1/datasets/{id}/content"] = ("Download a dataset", "For its recipient only, for the purpose it was sent for: the CSV, decrypted as it streams, with its SHA-256 in `Repr-Digest`. Logged under both controllers before the first byte."),
        ["POST /api/v1/datasets/{id}/ack"] = ("Acknowledge a dataset", "The recipient confirms it has received and processed the dataset."),
        ["DELETE /api/v1/datasets/{id}"] = ("Withdraw a dataset", "The sender withdraws its dataset: its data key is destroyed (crypto-shredding), its content becomes unreadable."),
        ["POST /api/v1/datasets/{id}/consent-withdrawals"] = ("Record a consent withdrawal", "For exchanges based on consent: the person's rows are removed from the dataset, which is stored again without them."),
        ["GET /api/v1/me"] = ("Who am I", "The caller as the gateway sees it: agent, organisation, roles, and the exchanges its contracts in force allow."),
        ["POST /api/v1/admin/agents"] = ("Register an agent", "Administrators: binds a client certificate (PEM) to a new agent of an organisation with roles."),
        ["GET /api/v1/admin/agents"] = ("List agents", "Administrators: the directory of agents."),
        ["GET /api/v1/admin/agents/{id}"] = ("Read an agent", "Administrators: one agent of the directory."),
        ["PATCH /api/v1/admin/agents/{id}"] = ("Change an agent", "Administrators: roles, certificate, or disabling (a disabled agent is refused at its next request)."),
        ["POST /api/v1/admin/keys/rotate-kek"] = ("Rotate the key-encryption key", "Administrators: creates a new version of the key-encryption key and re-wraps every data key with it, as a resumable job."),
        ["GET /api/v1/admin/keys/rotate-kek"] = ("Key rotation status", "Administrators: the progress of the latest key rotation."),
        ["GET /api/v1/audit/entries"] = ("List access-log entries", "DPOs: the entries of their organisation's access log, filtered and paged."),
        ["GET /api/v1/audit/export"] = ("Export the access log", "DPOs: the whole log with its signed checkpoints and the public key, to verify offline (`format=jsonl`), or as CSV."),
        ["GET /api/v1/audit/verify"] = ("Verify the access log", "DPOs: the gateway recomputes the hash chain and the Merkle tree and checks every signed checkpoint. " +
            "In full by default; with `incremental=true`, only the entries after the last signed checkpoint this gateway process verified " +
            "(`mode` and `fromTreeSize` in the answer say which was done)."),
        ["GET /api/v1/audit/checkpoints"] = ("List signed checkpoints", "DPOs: the signed heads of their organisation's log."),
        ["GET /api/v1/audit/public-key"] = ("The log's signing key", "DPOs: the public key (SPKI) that signs the checkpoints, with its id."),
        ["GET /api/v1/audit/proofs/inclusion"] = ("Inclusion proof", "DPOs: the Merkle proof that entry `seq` is in the log of size `treeSize` (RFC 6962)."),
        ["GET /api/v1/audit/proofs/consistency"] = ("Consistency proof", "DPOs: the Merkle proof that the log of size `from` is a prefix of the log of size `to` (RFC 6962)."),
        ["POST /api/v1/audit/subjects"] = ("Find a data subject", "DPOs: the datasets and log entries concerning one SIRET or NIR (sent in the body, never in the address), by its pseudonym (RGPD art. 15)."),
        ["GET /api/v1/indicators"] = ("Draft the annual indicators", "The annual table of a contract for a year, drafted from the datasets exchanged under it."),
        ["GET /api/v1/targeting/comparison"] = ("Compare the targeting lists", "The contract's caisse or SPSTI only: the companies targeted by both, by the caisse only (its latest `entreprises-ciblees` delivered to the SPSTI), by the SPSTI only (its latest `cible-spsti` sent to the caisse); withdrawn or destroyed lists are never read. Logged under the caller's organisation, one entry per list."),
        ["GET /api/v1/outbox"] = ("List the sent datasets", "The datasets the caller's organisation sent that its roles may see, with their states (acknowledged, first downloaded, withdrawn), newest first. The listing is logged."),
        ["GET /api/v1/registre"] = ("The record of processing", "DPOs (own organisation) and administrators (`org`): the organisation's record of processing activities (RGPD art. 30), built from the policy files and the contracts, as `xlsx`, `ods`, `md` or `json`. Logged."),
        ["POST /api/v1/admin/authorisations"] = ("Record a third-party authorisation", "Administrators (of the discloser, or the gateway's operator): records a disclosure to an organisation outside the contract, once the letters are exchanged (seed 001 art. 8): reference, dates (`date`, `until`: AAAA-MM-JJ), contract, `from`, `to`, exchanges, purpose. Append-only: a new version of the policy, in force at once, logged under every controller concerned."),
        ["GET /api/v1/admin/authorisations"] = ("Third-party authorisations", "Administrators: the authorisations in force, from the policy files and recorded through the API."),
        ["GET /api/v1/policy/versions"] = ("Policy history", "DPOs and administrators: every version of the policy the gateway ran (hash, in force from, deployed by)."),
        ["GET /api/v1/policy/diff"] = ("Policy difference", "DPOs and administrators: what changed, file by file and line by line, between two policy versions (`from`, `to`: hashes)."),
        ["GET /api/v1/admin/notifications"] = ("List notifications", "Administrators: the notification outbox, each message with its state (pending, sending, sent, uncertain, rejected) and attempts."),
        ["POST /api/v1/admin/notifications/{id}/retry"] = ("Send a notification again", "Administrators: puts an uncertain or rejected message back in the queue, once."),
        ["GET /api/v1/admin/notifications/addresses"] = ("List notification addresses", "Administrators: each organisation's addresses per role, and the agents' own addresses."),
        ["PUT /api/v1/admin/notifications/addresses/{organisation}/{role}"] = ("Set an organisation's addresses", "Administrators: the addresses that receive an organisation's notifications for one role (and the events they receive). Logged."),
        ["GET /api/v1/me/notifications"] = ("Your notification address", "The caller's own notification address and the events it chose."),
        ["PUT /api/v1/me/notifications"] = ("Set your notification address", "The caller's own address and the events to receive. Logged."),
        ["DELETE /api/v1/me/notifications"] = ("Remove your notification address", "The caller no longer receives notifications of its own (its organisation's role addresses still do). Logged."),
        ["GET /health/live"] = ("Liveness", "The process answers. Needs a client certificate of the trusted CA, no registered agent."),
        ["GET /health/ready"] = ("Readiness", "The database, the payload store and the key provider answer (503 otherwise). Needs a client certificate of the trusted CA, no registered agent."),
    };

    /// <summary>Query parameters, by name, wherever they appear.</summary>
    public static readonly IReadOnlyDictionary<string, string> Parameters = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["type"] = "Exchange type of the catalogue (policies/exchanges), such as `adherents`.",
        ["to"] = "Recipient organisation id (policies/organisations).",
        ["purpose"] = "Declared purpose, one the exchange serves under the contract (RGPD art. 5(1)(b)).",
        ["object"] = "Free reference of the case the request serves (at most 80 characters), logged with it.",
        ["replyTo"] = "Id of the dataset this upload answers (exchanges sent in reply).",
        ["title"] = "A document's title, shown to its recipient (document exchange only; at most 150 characters, no control character, no identifier).",
        ["replaces"] = "Id of a dataset this upload replaces: same exchange and recipient, sent by the caller's organisation, still available.",
        ["id"] = "Dataset id (`ds_` and 32 hexadecimal digits), or agent id for the administration routes.",
        ["action"] = "Log action to keep (upload, download, list, ...).",
        ["agent"] = "Agent id to keep.",
        ["dataset"] = "Dataset id to keep.",
        ["exchange"] = "Exchange type to keep.",
        ["from"] = "Earliest time (UTC) to keep.",
        ["outcome"] = "`allowed` or `denied`.",
        ["page"] = "Page number, from 1.",
        ["pageSize"] = "Entries per page.",
        ["format"] = "`jsonl` (verifiable export) or `csv`.",
        ["seq"] = "Sequence number of the entry.",
        ["treeSize"] = "Tree size of the signed checkpoint the proof is for (default: the latest).",
        ["contract"] = "Contract id.",
        ["year"] = "Year of the table.",
    };

    /// <summary>Query parameters whose meaning depends on the route (<c>METHOD /path name</c>).</summary>
    public static readonly IReadOnlyDictionary<string, string> RouteParameters = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["GET /api/v1/audit/entries from"] = "Earliest time (UTC) to keep.",
        ["GET /api/v1/audit/entries to"] = "Latest time (UTC) to keep.",
        ["GET /api/v1/audit/entries purpose"] = "Purpose to keep.",
        ["GET /api/v1/audit/verify incremental"] = "`true`: verify only the entries after the last signed checkpoint this gateway process verified (in full when it verified none yet); default `false`, the whole log.",
        ["GET /api/v1/audit/proofs/consistency from"] = "Size of the older tree (a signed checkpoint's).",
        ["GET /api/v1/audit/proofs/consistency to"] = "Size of the newer tree (default: the latest signed checkpoint).",
        ["GET /api/v1/admin/agents organisation"] = "Organisation id whose agents to list.",
        ["GET /api/v1/inbox purpose"] = "Purpose of the listing (optional here; checked and logged when given).",
    };

    /// <summary>The meaning of an error status, in a few words.</summary>
    public static string Status(int status) => status switch
    {
        400 => "Bad request",
        401 => "Certificate not accepted (unregistered, disabled, invalid)",
        403 => "Refused by the policy",
        404 => "Not found (or not visible to the caller)",
        409 => "Conflict",
        410 => "Destroyed",
        413 => "Too large",
        415 => "Unsupported media type",
        422 => "Invalid file",
        429 => "Too many requests (see Retry-After)",
        500 => "Internal error",
        501 => "Not available",
        503 => "A dependency is unavailable (see Retry-After)",
        507 => "Working space full (see Retry-After)",
        _ => "Error",
    };
}
