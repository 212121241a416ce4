using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Sqlite
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
                type: "TEXT",
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
