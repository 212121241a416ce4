using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class KeysDataKeysInDatabase : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "LegacyHeaders",
                table: "datasets",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            // Datasets stored before this version keep their wrapped data keys in their files' headers:
            // the key maintenance job moves them here (LegacyPayloads), then clears the flag.
            migrationBuilder.Sql("UPDATE datasets SET \"LegacyHeaders\" = TRUE WHERE \"Status\" = 'available';");

            migrationBuilder.AddColumn<string>(
                name: "PayloadKeyId",
                table: "datasets",
                type: "character varying(300)",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "PayloadWrappedKey",
                table: "datasets",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SubjectsKeyId",
                table: "datasets",
                type: "character varying(300)",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SubjectsSha256",
                table: "datasets",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "SubjectsWrappedKey",
                table: "datasets",
                type: "bytea",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "key_rotations",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    RequestedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    RequestedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    TargetKeyId = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    StartedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    CompletedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Rewrapped = table.Column<long>(type: "bigint", nullable: false),
                    LastError = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_key_rotations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "pseudonym_keys",
                columns: table => new
                {
                    Version = table.Column<int>(type: "integer", nullable: false),
                    KeyId = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    WrappedKey = table.Column<byte[]>(type: "bytea", nullable: false),
                    Origin = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pseudonym_keys", x => x.Version);
                });

            migrationBuilder.CreateIndex(
                name: "IX_key_rotations_State",
                table: "key_rotations",
                column: "State");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "key_rotations");

            migrationBuilder.DropTable(
                name: "pseudonym_keys");

            migrationBuilder.DropColumn(
                name: "LegacyHeaders",
                table: "datasets");

            migrationBuilder.DropColumn(
                name: "PayloadKeyId",
                table: "datasets");

            migrationBuilder.DropColumn(
                name: "PayloadWrappedKey",
                table: "datasets");

            migrationBuilder.DropColumn(
                name: "SubjectsKeyId",
                table: "datasets");

            migrationBuilder.DropColumn(
                name: "SubjectsSha256",
                table: "datasets");

            migrationBuilder.DropColumn(
                name: "SubjectsWrappedKey",
                table: "datasets");
        }
    }
}
