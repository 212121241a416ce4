using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DatasetStatus : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "ShreddedAtUtc",
                table: "datasets",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Status",
                table: "datasets",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "available");

            migrationBuilder.CreateIndex(
                name: "IX_datasets_Status_CreatedAtUtc",
                table: "datasets",
                columns: new[] { "Status", "CreatedAtUtc" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_datasets_Status_CreatedAtUtc",
                table: "datasets");

            migrationBuilder.DropColumn(
                name: "ShreddedAtUtc",
                table: "datasets");

            migrationBuilder.DropColumn(
                name: "Status",
                table: "datasets");
        }
    }
}
