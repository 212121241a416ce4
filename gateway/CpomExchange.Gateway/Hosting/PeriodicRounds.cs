namespace CpomExchange.Gateway.Hosting;

/// <summary>
/// The loop of the gateway's periodic jobs (retention, the access log's checkpoints, notifications,
/// reminders, the nightly check, the policy's refresh): a round every <c>period</c> on the gateway's
/// clock; a round that fails is logged by its job and the next one tries again; stopping the
/// gateway ends the loop.
/// </summary>
internal static class PeriodicRounds
{
    /// <summary>
    /// Runs <paramref name="round"/> at once (or after the first period when <paramref name="atStart"/>
    /// is false), then once each <paramref name="period"/>, until <paramref name="stoppingToken"/> is cancelled.
    /// </summary>
    public static async Task RunAsync(TimeSpan period, TimeProvider time, Func<CancellationToken, Task> round, Action<Exception> failed,
        CancellationToken stoppingToken, bool atStart = true)
    {
        using var timer = new PeriodicTimer(period, time);
        if (!atStart && !await timer.WaitForNextTickAsync(stoppingToken))
        {
            return;
        }
        do
        {
            try
            {
                await round(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
