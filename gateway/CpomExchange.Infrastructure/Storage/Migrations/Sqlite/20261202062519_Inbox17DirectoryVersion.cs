using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Inbox17DirectoryVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "directory_version",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_directory_version", x => x.Id);
                });

            migrationBuilder.InsertData(
                table: "directory_version",
                columns: new[] { "Id", "Version" },
                values: new object[] { 1, 0L });

            // Every change of the directory raises its version in the change's own transaction, whoever
            // makes it (DirectoryVersionEntity): the instances' bound agents are read again at the next request.
            foreach (var operation in new[] { "insert", "update", "delete" })
            {
                migrationBuilder.Sql($"""
                    CREATE TRIGGER agents_directory_version_{operation} AFTER {operation.ToUpperInvariant()} ON agents
                    BEGIN
                        UPDATE directory_version SET "Version" = "Version" + 1 WHERE "Id" = 1;
                    END;
                    """);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var operation in new[] { "insert", "update", "delete" })
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS agents_directory_version_{operation};");
            }
            migrationBuilder.DropTable(
                name: "directory_version");
        }
    }
}
