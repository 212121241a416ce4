using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Sqlite
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
                    Controller = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    TreeSize = table.Column<long>(type: "INTEGER", nullable: false),
                    RootHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    TimeUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    KeyId = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Signature = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_access_log_checkpoints", x => new { x.Controller, x.TreeSize });
                });

            migrationBuilder.CreateTable(
                name: "access_log_entries",
                columns: table => new
                {
                    Controller = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Seq = table.Column<long>(type: "INTEGER", nullable: false),
                    TimeUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    AgentId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    AgentName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Organisation = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    CertificateSha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ExchangeType = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    DatasetId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Rows = table.Column<long>(type: "INTEGER", nullable: true),
                    Counterpart = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Purpose = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Object = table.Column<string>(type: "TEXT", maxLength: 80, nullable: true),
                    LegalBasis = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ReasonCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ClientAddress = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    RequestId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    PreviousLeafHash = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_access_log_entries", x => new { x.Controller, x.Seq });
                });

            migrationBuilder.CreateTable(
                name: "access_log_heads",
                columns: table => new
                {
                    Controller = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    Range = table.Column<byte[]>(type: "BLOB", nullable: false),
                    LastLeafHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    LastCheckpointSize = table.Column<long>(type: "INTEGER", nullable: false),
                    LastCheckpointAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    PurgedBelow = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_access_log_heads", x => x.Controller);
                });

            migrationBuilder.CreateTable(
                name: "access_log_leaves",
                columns: table => new
                {
                    Controller = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Seq = table.Column<long>(type: "INTEGER", nullable: false),
                    Hash = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_access_log_leaves", x => new { x.Controller, x.Seq });
                });

            migrationBuilder.CreateTable(
                name: "agents",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    OrganisationId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Roles = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    CertificateSha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CertificateSubject = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    CertificateNotAfterUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Disabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_agents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "datasets",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    FromOrganisation = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ToOrganisation = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Purpose = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Object = table.Column<string>(type: "TEXT", maxLength: 80, nullable: true),
                    ContractId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Rows = table.Column<long>(type: "INTEGER", nullable: false),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SourceSha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Length = table.Column<long>(type: "INTEGER", nullable: false),
                    PayloadName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ReplyTo = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    AcknowledgedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    AcknowledgedBy = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    MaskedCells = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ShreddedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_datasets", x => x.Id);
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
            migrationBuilder.Sql("CREATE TRIGGER access_log_entries_append_only BEFORE UPDATE ON access_log_entries BEGIN SELECT RAISE(ABORT, 'access log entries are append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER access_log_leaves_no_update BEFORE UPDATE ON access_log_leaves BEGIN SELECT RAISE(ABORT, 'access log leaves are append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER access_log_leaves_no_delete BEFORE DELETE ON access_log_leaves BEGIN SELECT RAISE(ABORT, 'access log leaves are append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER access_log_checkpoints_no_update BEFORE UPDATE ON access_log_checkpoints BEGIN SELECT RAISE(ABORT, 'access log checkpoints are append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER access_log_checkpoints_no_delete BEFORE DELETE ON access_log_checkpoints BEGIN SELECT RAISE(ABORT, 'access log checkpoints are append-only'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var trigger in new[] { "access_log_entries_append_only", "access_log_leaves_no_update", "access_log_leaves_no_delete", "access_log_checkpoints_no_update", "access_log_checkpoints_no_delete" })
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {trigger};");
            }

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
        }
    }
}
