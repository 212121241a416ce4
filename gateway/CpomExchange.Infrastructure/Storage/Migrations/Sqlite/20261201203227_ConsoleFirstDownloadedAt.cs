using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ConsoleFirstDownloadedAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "FirstDownloadedAtUtc",
                table: "datasets",
                type: "TEXT",
                nullable: true);

            // Datasets downloaded before this column existed: their first allowed download, from the
            // recipient's own access log (as far as its retention still holds it).
            migrationBuilder.Sql(
                """
                UPDATE "datasets" SET "FirstDownloadedAtUtc" = (
                    SELECT MIN(e."TimeUtc") FROM "access_log_entries" e
                    WHERE e."Controller" = "datasets"."ToOrganisation" AND e."DatasetId" = "datasets"."Id"
                      AND e."Action" = 'download' AND e."Outcome" = 'allowed');
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "FirstDownloadedAtUtc",
                table: "datasets");
        }
    }
}
