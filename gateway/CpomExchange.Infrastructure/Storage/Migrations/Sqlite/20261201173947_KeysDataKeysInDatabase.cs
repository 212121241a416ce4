using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Sqlite
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
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            // Datasets stored before this version keep their wrapped data keys in their files' headers:
            // the key maintenance job moves them here (LegacyPayloads), then clears the flag.
            migrationBuilder.Sql("UPDATE datasets SET \"LegacyHeaders\" = 1 WHERE \"Status\" = 'available';");

            migrationBuilder.AddColumn<string>(
                name: "PayloadKeyId",
                table: "datasets",
                type: "TEXT",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "PayloadWrappedKey",
                table: "datasets",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SubjectsKeyId",
                table: "datasets",
                type: "TEXT",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SubjectsSha256",
                table: "datasets",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "SubjectsWrappedKey",
                table: "datasets",
                type: "BLOB",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "key_rotations",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RequestedBy = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    RequestedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    TargetKeyId = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    StartedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CompletedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Rewrapped = table.Column<long>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_key_rotations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "pseudonym_keys",
                columns: table => new
                {
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    KeyId = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    WrappedKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Origin = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
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
