using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Postgres
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
                type: "character varying(80)",
                maxLength: 80,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "policy_versions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Hash = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                    Files = table.Column<string>(type: "text", nullable: false),
                    InForceFromUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    DeployedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Instance = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true)
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
            migrationBuilder.Sql("CREATE TRIGGER policy_versions_append_only BEFORE UPDATE OR DELETE ON policy_versions FOR EACH ROW EXECUTE FUNCTION cpom_append_only();");
            migrationBuilder.Sql("CREATE TRIGGER policy_versions_no_truncate BEFORE TRUNCATE ON policy_versions FOR EACH STATEMENT EXECUTE FUNCTION cpom_append_only();");
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
