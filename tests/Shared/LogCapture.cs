using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CpomExchange.Tests.Shared;

/// <summary>
/// Keeps every log line a gateway writes at <see cref="MinimumLevel"/> or above, whatever the
/// configured levels of the other providers: the message, the values of its placeholders, its scopes
/// and its exception, so that a test can search what an operator's log would hold.
/// </summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    /// <summary>What the operators run with: the level this capture records from.</summary>
    public const LogLevel MinimumLevel = LogLevel.Information;

    private readonly ConcurrentQueue<CapturedLog> _lines = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>The lines written so far.</summary>
    public IReadOnlyList<CapturedLog> Lines => [.. _lines];

    /// <summary>The lines whose text (message, values, scopes, exception) contains <paramref name="value"/>.</summary>
    public IReadOnlyList<CapturedLog> Containing(string value) =>
        _lines.Where(l => l.Text.Contains(value, StringComparison.Ordinal)).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => capture._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= MinimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var parts = new List<string> { formatter(state, exception) };
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                parts.AddRange(values.Select(v => $"{v.Key}={v.Value}"));
            }
            capture._scopes.ForEachScope((scope, list) => list.Add(scope?.ToString() ?? ""), parts);
            if (exception is not null)
            {
                parts.Add(exception.ToString());
            }
            capture._lines.Enqueue(new CapturedLog(logLevel, category, eventId, string.Join(" | ", parts)));
        }
    }
}

/// <summary>One captured line: level, category, event id, and everything it says.</summary>
public sealed record CapturedLog(LogLevel Level, string Category, EventId EventId, string Text);
