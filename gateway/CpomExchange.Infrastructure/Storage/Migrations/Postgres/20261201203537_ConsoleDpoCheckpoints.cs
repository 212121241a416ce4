using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ConsoleDpoCheckpoints : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CertificateIssuer",
                table: "agents",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "CertificateNotBeforeUtc",
                table: "agents",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "dpo_checkpoints",
                columns: table => new
                {
                    AgentId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Controller = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    TreeSize = table.Column<long>(type: "bigint", nullable: true),
                    RootHash = table.Column<byte[]>(type: "bytea", nullable: true),
                    CheckpointTimeUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    KeyId = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    PublicKey = table.Column<byte[]>(type: "bytea", nullable: false),
                    VerifiedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_dpo_checkpoints", x => new { x.AgentId, x.Controller });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "dpo_checkpoints");

            migrationBuilder.DropColumn(
                name: "CertificateIssuer",
                table: "agents");

            migrationBuilder.DropColumn(
                name: "CertificateNotBeforeUtc",
                table: "agents");
        }
    }
}
