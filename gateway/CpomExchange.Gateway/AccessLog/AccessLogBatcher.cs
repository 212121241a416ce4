using System.Threading.Channels;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.AccessLog;

/// <summary>
/// Group commit of the access-log entries that have no transaction of their own to ride in
/// (listings, metadata reads, downloads, refusals). Each request still waits until its entry is
/// durable before it answers; but the entries of the requests waiting at the same moment are
/// appended in one database transaction, so they share one commit (one fsync on SQLite, one WAL
/// flush on PostgreSQL) and one take of each controller's lock, instead of queueing one commit
/// each behind the log's lock. Order is kept: entries are appended in the order they arrived.
/// An entry the database refuses fails its own request only: the others of its group commit
/// (a batch fails whole only when the transaction itself cannot begin, lock or commit, or the key
/// provider cannot sign a checkpoint).
/// </summary>
public sealed partial class AccessLogBatcher(IServiceScopeFactory scopes, AccessLogWriter writer, ILogger<AccessLogBatcher> logger)
    : BackgroundService
{
    /// <summary>The most entries one transaction takes (a bound on its duration and on what one failure fails).</summary>
    public const int MaxBatch = 256;

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(16 * MaxBatch)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private sealed record Pending(IReadOnlyCollection<string> Controllers, AccessLogDraft Draft, TaskCompletionSource Done);

    /// <summary>
    /// Appends <paramref name="draft"/> to <paramref name="controllers"/>' logs; completes once it is
    /// committed, or fails with the database's error (then nothing of it was written).
    /// </summary>
    public async Task AppendAsync(IReadOnlyCollection<string> controllers, AccessLogDraft draft, CancellationToken cancellationToken)
    {
        var pending = new Pending(controllers, draft, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            // Once queued the entry is written even if the client goes away: the access was decided.
            await _queue.Writer.WriteAsync(pending, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            // The gateway is stopping and the batcher has drained: this request writes its own entry.
            await CommitAsync([pending]);
        }
        await pending.Done.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                }
                await CommitAsync(batch);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still queued is written below, so that no waiting request hangs.
        }
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var pending))
        {
            batch.Add(pending);
            if (batch.Count == MaxBatch)
            {
                await CommitAsync(batch);
                batch.Clear();
            }
        }
        if (batch.Count > 0)
        {
            await CommitAsync(batch);
        }
    }

    /// <summary>The entries waiting for the next group commit (for tests and measurements).</summary>
    internal int Queued => _queue.Reader.Count;

    private async Task CommitAsync(List<Pending> batch)
    {
        var appended = new List<Pending>(batch.Count);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CpomDbContext>();
            await using var transaction = await CpomDatabase.BeginWriteAsync(db, CancellationToken.None);
            // Every log of the batch, locked at once in one order (PostgreSQL): no deadlock with another writer.
            await CpomDatabase.LockLogsAsync(db, batch.SelectMany(p => p.Controllers), CancellationToken.None);
            foreach (var pending in batch)
            {
                try
                {
                    await writer.AppendAsync(db, pending.Controllers, pending.Draft, CancellationToken.None);
                    appended.Add(pending);
                }
                catch (Exception e) when (e is not (KeyProviderException or OperationCanceledException) && db.Database.GetDbConnection().State == System.Data.ConnectionState.Open)
                {
                    // This entry only (a value the database refuses): SaveChanges rolled its rows back to
                    // the savepoint it took; what it left in the change tracker goes too, and the heads
                    // are read again by the next append. The other entries of the batch still commit.
                    db.ChangeTracker.Clear();
                    LogEntryFailed(logger, e, pending.Draft.Action, pending.Draft.RequestId);
                    pending.Done.TrySetException(e);
                }
            }
            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            // Nothing of the batch committed: each request answers with the error (503 for an outage).
            LogFailed(logger, e, batch.Count);
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(e);
            }
            return;
        }
        foreach (var pending in appended)
        {
            pending.Done.TrySetResult();
        }
    }

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Échec de l'écriture groupée de {Count} entrée(s) du journal des accès ; chaque requête concernée répond en erreur.")]
    private static partial void LogFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Une entrée du journal des accès ({Action}, requête {RequestId}) n'a pas pu être écrite ; seule sa requête échoue, le reste du groupe est écrit.")]
    private static partial void LogEntryFailed(ILogger logger, Exception exception, string action, string? requestId);
}
