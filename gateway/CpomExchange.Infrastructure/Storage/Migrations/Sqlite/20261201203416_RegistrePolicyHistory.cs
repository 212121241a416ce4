using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RegistrePolicyHistory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PolicyHash",
                table: "access_log_entries",
                type: "TEXT",
                maxLength: 80,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "policy_versions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Hash = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    Files = table.Column<string>(type: "TEXT", nullable: false),
                    InForceFromUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    DeployedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Instance = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_policy_versions", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_policy_versions_Hash",
                table: "policy_versions",
                column: "Hash");

            // The history of the policy versions is evidence, like the access log: append-only.
            migrationBuilder.Sql("CREATE TRIGGER policy_versions_no_update BEFORE UPDATE ON policy_versions BEGIN SELECT RAISE(ABORT, 'policy versions are append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER policy_versions_no_delete BEFORE DELETE ON policy_versions BEGIN SELECT RAISE(ABORT, 'policy versions are append-only'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "policy_versions");

            migrationBuilder.DropColumn(
                name: "PolicyHash",
                table: "access_log_entries");
        }
    }
}
