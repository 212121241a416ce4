using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Hosting;

/// <summary>The database (SQLite or PostgreSQL, pooled contexts) and the payload store.</summary>
internal static class StorageFeature
{
    public static IServiceCollection AddStorage(this IServiceCollection services, StorageOptions storage, string connectionString, IPayloadStore payloads)
    {
        services.AddSingleton(payloads);
        if (storage.Provider == StorageOptions.Postgres)
        {
            services.AddDbContextPool<CpomDbContext, PostgresCpomDbContext>(o => o.UseNpgsql(connectionString));
        }
        else
        {
            services.AddDbContextPool<CpomDbContext, SqliteCpomDbContext>(o => o.UseSqlite(connectionString));
        }
        return services;
    }
}
