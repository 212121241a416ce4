using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Postgres
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
                    Id = table.Column<int>(type: "integer", nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false)
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
            // makes it (DirectoryVersionEntity): the instances' bound agents are read again at the next
            // request. Per statement (TRUNCATE included): the row is locked until the change commits.
            migrationBuilder.Sql("""
                CREATE FUNCTION cpom_directory_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE directory_version SET "Version" = "Version" + 1 WHERE "Id" = 1;
                    RETURN NULL;
                END
                $$;
                """);
            foreach (var operation in new[] { "insert", "update", "delete" })
            {
                var events = operation == "delete" ? "DELETE OR TRUNCATE" : operation.ToUpperInvariant();
                migrationBuilder.Sql($"CREATE TRIGGER agents_directory_version_{operation} AFTER {events} ON agents FOR EACH STATEMENT EXECUTE FUNCTION cpom_directory_version_bump();");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var operation in new[] { "insert", "update", "delete" })
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS agents_directory_version_{operation} ON agents;");
            }
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS cpom_directory_version_bump();");
            migrationBuilder.DropTable(
                name: "directory_version");
        }
    }
}
