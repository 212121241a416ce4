using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DatasetFilesDeleted : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "FilesDeletedAtUtc",
                table: "datasets",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "FilesDeletedAtUtc",
                table: "datasets");
        }
    }
}
