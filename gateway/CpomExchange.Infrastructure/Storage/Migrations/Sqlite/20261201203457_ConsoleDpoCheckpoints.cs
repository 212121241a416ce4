using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Sqlite
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
                type: "TEXT",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "CertificateNotBeforeUtc",
                table: "agents",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "dpo_checkpoints",
                columns: table => new
                {
                    AgentId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Controller = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    TreeSize = table.Column<long>(type: "INTEGER", nullable: true),
                    RootHash = table.Column<byte[]>(type: "BLOB", nullable: true),
                    CheckpointTimeUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    KeyId = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    PublicKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    VerifiedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
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
