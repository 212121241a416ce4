using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "access_log_checkpoints",
                columns: table => new
                {
                    Controller = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    TreeSize = table.Column<long>(type: "bigint", nullable: false),
                    RootHash = table.Column<byte[]>(type: "bytea", nullable: false),
                    TimeUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    KeyId = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    Signature = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_access_log_checkpoints", x => new { x.Controller, x.TreeSize });
                });

            migrationBuilder.CreateTable(
                name: "access_log_entries",
                columns: table => new
                {
                    Controller = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Seq = table.Column<long>(type: "bigint", nullable: false),
                    TimeUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    AgentId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    AgentName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Organisation = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    CertificateSha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Action = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    ExchangeType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    DatasetId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Rows = table.Column<long>(type: "bigint", nullable: true),
                    Counterpart = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Purpose = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Object = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: true),
                    LegalBasis = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    Outcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ReasonCode = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    ClientAddress = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    RequestId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    PreviousLeafHash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_access_log_entries", x => new { x.Controller, x.Seq });
                });

            migrationBuilder.CreateTable(
                name: "access_log_heads",
                columns: table => new
                {
                    Controller = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Size = table.Column<long>(type: "bigint", nullable: false),
                    Range = table.Column<byte[]>(type: "bytea", nullable: false),
                    LastLeafHash = table.Column<byte[]>(type: "bytea", nullable: false),
                    LastCheckpointSize = table.Column<long>(type: "bigint", nullable: false),
                    LastCheckpointAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    PurgedBelow = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_access_log_heads", x => x.Controller);
                });

            migrationBuilder.CreateTable(
                name: "access_log_leaves",
                columns: table => new
                {
                    Controller = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Seq = table.Column<long>(type: "bigint", nullable: false),
                    Hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_access_log_leaves", x => new { x.Controller, x.Seq });
                });

            migrationBuilder.CreateTable(
                name: "agents",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    DisplayName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    OrganisationId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Roles = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    CertificateSha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    CertificateSubject = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    CertificateNotAfterUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Disabled = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_agents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "datasets",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    FromOrganisation = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    ToOrganisation = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Purpose = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Object = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: true),
                    ContractId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Rows = table.Column<long>(type: "bigint", nullable: false),
                    Sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    SourceSha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Length = table.Column<long>(type: "bigint", nullable: false),
                    PayloadName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ReplyTo = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    AcknowledgedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    AcknowledgedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    MaskedCells = table.Column<long>(type: "bigint", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ShreddedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_datasets", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "leases",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Holder = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    ExpiresAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_leases", x => x.Name);
                });

            migrationBuilder.CreateIndex(
                name: "IX_access_log_entries_Controller_DatasetId",
                table: "access_log_entries",
                columns: new[] { "Controller", "DatasetId" });

            migrationBuilder.CreateIndex(
                name: "IX_access_log_entries_Controller_TimeUtc",
                table: "access_log_entries",
                columns: new[] { "Controller", "TimeUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_agents_CertificateSha256",
                table: "agents",
                column: "CertificateSha256",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_datasets_FromOrganisation_CreatedAtUtc",
                table: "datasets",
                columns: new[] { "FromOrganisation", "CreatedAtUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_datasets_Status_CreatedAtUtc",
                table: "datasets",
                columns: new[] { "Status", "CreatedAtUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_datasets_ToOrganisation_CreatedAtUtc",
                table: "datasets",
                columns: new[] { "ToOrganisation", "CreatedAtUtc" });

            // Append-only, below the application: an entry, a leaf or a checkpoint is never updated;
            // leaves and checkpoints are never deleted (the retention purge deletes entries only).
            // TRUNCATE is refused too (it does not fire row triggers).
            migrationBuilder.Sql("""
                CREATE FUNCTION cpom_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
                END;
                $$;
                """);
            migrationBuilder.Sql("CREATE TRIGGER access_log_entries_append_only BEFORE UPDATE ON access_log_entries FOR EACH ROW EXECUTE FUNCTION cpom_append_only();");
            migrationBuilder.Sql("CREATE TRIGGER access_log_entries_no_truncate BEFORE TRUNCATE ON access_log_entries FOR EACH STATEMENT EXECUTE FUNCTION cpom_append_only();");
            migrationBuilder.Sql("CREATE TRIGGER access_log_leaves_append_only BEFORE UPDATE OR DELETE ON access_log_leaves FOR EACH ROW EXECUTE FUNCTION cpom_append_only();");
            migrationBuilder.Sql("CREATE TRIGGER access_log_leaves_no_truncate BEFORE TRUNCATE ON access_log_leaves FOR EACH STATEMENT EXECUTE FUNCTION cpom_append_only();");
            migrationBuilder.Sql("CREATE TRIGGER access_log_checkpoints_append_only BEFORE UPDATE OR DELETE ON access_log_checkpoints FOR EACH ROW EXECUTE FUNCTION cpom_append_only();");
            migrationBuilder.Sql("CREATE TRIGGER access_log_checkpoints_no_truncate BEFORE TRUNCATE ON access_log_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION cpom_append_only();");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Dropping the tables drops their triggers; the function goes after them.
            migrationBuilder.DropTable(
                name: "access_log_checkpoints");

            migrationBuilder.DropTable(
                name: "access_log_entries");

            migrationBuilder.DropTable(
                name: "access_log_heads");

            migrationBuilder.DropTable(
                name: "access_log_leaves");

            migrationBuilder.DropTable(
                name: "agents");

            migrationBuilder.DropTable(
                name: "datasets");

            migrationBuilder.DropTable(
                name: "leases");

            migrationBuilder.Sql("DROP FUNCTION IF EXISTS cpom_append_only();");
        }
    }
}
