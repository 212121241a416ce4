using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CpomExchange.Infrastructure.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class JournalIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_access_log_entries_Controller_DatasetId",
                table: "access_log_entries");

            migrationBuilder.DropIndex(
                name: "IX_access_log_entries_Controller_TimeUtc",
                table: "access_log_entries");

            migrationBuilder.CreateIndex(
                name: "IX_access_log_entries_Controller_AgentId_Seq",
                table: "access_log_entries",
                columns: new[] { "Controller", "AgentId", "Seq" });

            migrationBuilder.CreateIndex(
                name: "IX_access_log_entries_Controller_DatasetId_Seq",
                table: "access_log_entries",
                columns: new[] { "Controller", "DatasetId", "Seq" });

            migrationBuilder.CreateIndex(
                name: "IX_access_log_entries_Controller_Outcome_Seq",
                table: "access_log_entries",
                columns: new[] { "Controller", "Outcome", "Seq" });

            migrationBuilder.CreateIndex(
                name: "IX_access_log_entries_overview",
                table: "access_log_entries",
                columns: new[] { "Controller", "TimeUtc", "Action", "Outcome", "ExchangeType", "Purpose", "Counterpart", "AgentId", "ReasonCode" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_access_log_entries_Controller_AgentId_Seq",
                table: "access_log_entries");

            migrationBuilder.DropIndex(
                name: "IX_access_log_entries_Controller_DatasetId_Seq",
                table: "access_log_entries");

            migrationBuilder.DropIndex(
                name: "IX_access_log_entries_Controller_Outcome_Seq",
                table: "access_log_entries");

            migrationBuilder.DropIndex(
                name: "IX_access_log_entries_overview",
                table: "access_log_entries");

            migrationBuilder.CreateIndex(
                name: "IX_access_log_entries_Controller_DatasetId",
                table: "access_log_entries",
                columns: new[] { "Controller", "DatasetId" });

            migrationBuilder.CreateIndex(
                name: "IX_access_log_entries_Controller_TimeUtc",
                table: "access_log_entries",
                columns: new[] { "Controller", "TimeUtc" });
        }
    }
}
