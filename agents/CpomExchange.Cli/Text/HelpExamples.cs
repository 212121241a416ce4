namespace CpomExchange.Cli.Text;

/// <summary>One example per command, shown by <c>--help</c> (a test checks that none is missing).</summary>
internal static class HelpExamples
{
    private static readonly Dictionary<string, string[]> Examples = new(StringComparer.Ordinal)
    {
        ["cpom"] =
        [
            "cpom validate adherents.csv --type adherents",
            "cpom upload adherents.csv --type adherents --to carsat-lr --purpose sinistralite --as prevy-agent",
        ],
        ["cpom upload"] = ["cpom upload adherents.csv --type adherents --to carsat-lr --purpose sinistralite --as prevy-agent"],
        ["cpom inbox"] = ["cpom inbox --as carsat-lr-agent"],
        ["cpom download"] = ["cpom download ds_0193f2a4c8e47b1d9a5c3e7f6b2d8a10 --purpose sinistralite -o adherents-prevy.csv --as carsat-lr-agent"],
        ["cpom validate"] = ["cpom validate adherents.csv --type adherents"],
        ["cpom status"] = ["cpom status ds_0193f2a4c8e47b1d9a5c3e7f6b2d8a10 --as prevy-agent"],
        ["cpom ack"] = ["cpom ack ds_0193f2a4c8e47b1d9a5c3e7f6b2d8a10 --purpose sinistralite --as carsat-lr-agent"],
        ["cpom withdraw"] = ["cpom withdraw ds_0193f2a4c8e47b1d9a5c3e7f6b2d8a10 --as prevy-agent        (--yes dans un script)"],
        ["cpom withdraw-consent"] = ["cpom withdraw-consent ds_0193f2a4c8e47b1d9a5c3e7f6b2d8a10 --reference ds_0193f2a4c8e47b1d9a5c3e7f6b2d8a10:3 --purpose pdp --as pst38-pdp"],
        ["cpom indicators"] = ["cpom indicators --contract cpom-pst38-2025 --year 2026 -o indicateurs-2026.csv --as pst38-agent"],
        ["cpom ciblage"] = ["cpom ciblage comparer --contrat cpom-pst38-2025 --as pst38-agent"],
        ["cpom ciblage comparer"] = ["cpom ciblage comparer --contrat cpom-pst38-2025 --as carsat-ra-agent", "cpom ciblage comparer --contrat cpom-pst38-2025 --json --as pst38-agent"],
        ["cpom whoami"] = ["cpom whoami --as pst38-agent"],
        ["cpom policy"] = ["cpom policy check policies"],
        ["cpom policy check"] = ["cpom policy check policies"],
        ["cpom policy history"] = ["cpom policy history --as pst38-dpo"],
        ["cpom policy diff"] = ["cpom policy diff 3f2a9c41 8be01d77 --as pst38-dpo"],
        ["cpom registre"] = ["cpom registre --org pst38 -o registre-pst38.xlsx", "cpom registre --org pst38 --day 2027-02-01 -o registre-pst38.md"],
        ["cpom admin"] = ["cpom admin agent list --org prevy --as admin"],
        ["cpom admin agent"] = ["cpom admin agent list --org prevy --as admin"],
        ["cpom admin agent add"] = ["cpom admin agent add --id prevy-agent-2 --cert agent2.pem --org prevy --roles agent --name \"Agent 2 PREVY\" --as admin"],
        ["cpom admin agent list"] = ["cpom admin agent list --org prevy --as admin"],
        ["cpom admin agent disable"] = ["cpom admin agent disable prevy-agent-2 --as admin"],
        ["cpom admin agent enable"] = ["cpom admin agent enable prevy-agent-2 --as admin"],
        ["cpom admin agent replace-cert"] = ["cpom admin agent replace-cert prevy-agent-2 --new-cert agent2-2027.pem --as admin"],
        ["cpom admin rotate-kek"] = ["cpom admin rotate-kek --as admin"],
        ["cpom admin authorisation"] = ["cpom admin authorisation list --as admin"],
        ["cpom admin authorisation add"] =
        [
            "cpom admin authorisation add --reference \"PST38/CARSAT-LR 2026-02\" --date 2026-02-05 --until 2026-12-31 --contract cpom-pst38-2025 --from pst38 --to carsat-lr --exchanges adherents --purpose ciblage --as admin",
        ],
        ["cpom admin authorisation list"] = ["cpom admin authorisation list --as admin"],
        ["cpom admin notify"] = ["cpom admin notify list --org carsat-lr --as admin"],
        ["cpom admin notify set"] = ["cpom admin notify set carsat-lr agent accueil@carsat-lr.example --events file-received,file-withdrawn --as admin"],
        ["cpom admin notify list"] = ["cpom admin notify list --org carsat-lr --as admin"],
        ["cpom admin notify outbox"] = ["cpom admin notify outbox --state uncertain --as admin"],
        ["cpom notify"] = ["cpom notify set moi@carsat-lr.example --events file-received --as carsat-lr-agent"],
        ["cpom notify set"] = ["cpom notify set moi@carsat-lr.example --events file-received --as carsat-lr-agent"],
        ["cpom notify show"] = ["cpom notify show --as carsat-lr-agent"],
        ["cpom notify off"] = ["cpom notify off --as carsat-lr-agent"],
        ["cpom audit"] = ["cpom audit list --action download --as prevy-dpo"],
        ["cpom audit list"] = ["cpom audit list --action download --from 2026-01-01 --as prevy-dpo"],
        ["cpom audit export"] = ["cpom audit export -o journal-prevy.jsonl --as prevy-dpo"],
        ["cpom audit verify"] = ["cpom audit verify --as prevy-dpo", "cpom audit verify journal-prevy.jsonl"],
        ["cpom audit subject"] = ["cpom audit subject --siret \"104 332 184 19605\" --as prevy-dpo"],
    };

    /// <summary>The examples of the command at <paramref name="path"/> (<c>cpom admin agent add</c>).</summary>
    public static IReadOnlyList<string> For(string path) => Examples.TryGetValue(path, out var examples) ? examples : [];
}
