using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace HyperBench.Storage;

/// <summary>
/// Runs a database operation through a Polly retry pipeline: transient failures are retried with exponential back-off
/// until <see cref="SweepStoreOptions.RetryWindow"/> is spent, then surface as <see cref="StorageUnavailableException"/>.
/// Each attempt opens its own connection, so a retry never reuses a connection that died.
/// </summary>
internal sealed class StoreRetry
{
    private static readonly ResiliencePropertyKey<long> StartedKey = new("hyperbench.started");

    private readonly StoreDialect _dialect;
    private readonly SweepStoreOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;

    public StoreRetry(StoreDialect dialect, SweepStoreOptions options, ILogger logger)
    {
        _dialect = dialect;
        _options = options;
        _logger = logger;
        _pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                // The window, not a count, bounds the retries (checked in ShouldHandle).
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.FirstRetryDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && _dialect.IsTransient(e) && !args.Context.CancellationToken.IsCancellationRequested
                    && Elapsed(args.Context) < _options.RetryWindow),
                OnRetry = args =>
                {
                    _dialect.OnTransientFailure();
                    _logger.LogWarning(args.Outcome.Exception, "Database {Database} unavailable (attempt {Attempt}); retrying in {Delay} ms",
                        _dialect.Description, args.AttemptNumber + 1, (int)args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public async Task<T> ExecuteAsync<T>(string operation, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        context.Properties.Set(StartedKey, Stopwatch.GetTimestamp());
        try
        {
            return _dialect.BlocksCaller
                ? await Task.Run(async () => await _pipeline.ExecuteAsync(static async (ctx, state) => await state(ctx.CancellationToken), context, action),
                    cancellationToken)
                : await _pipeline.ExecuteAsync(static async (ctx, state) => await state(ctx.CancellationToken), context, action);
        }
        catch (Exception e) when (_dialect.IsTransient(e) && !cancellationToken.IsCancellationRequested)
        {
            var elapsed = Elapsed(context);
            _logger.LogError(e, "Database {Database} unavailable for {Seconds:0.0} s during {Operation}; giving up", _dialect.Description,
                elapsed.TotalSeconds, operation);
            throw new StorageUnavailableException(
                $"database {_dialect.Description} unavailable: {operation} failed for {elapsed.TotalSeconds:0.0} s of retries " +
                $"(retry window {_options.RetryWindow.TotalSeconds:0.#} s): {e.Message}", e);
        }
        catch (Exception e) when (_dialect.IsConnectionRefused(e) && !cancellationToken.IsCancellationRequested)
        {
            throw new StorageUnavailableException($"database {_dialect.Description} refused the connection during {operation}: {e.Message}", e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public Task ExecuteAsync(string operation, Func<CancellationToken, Task> action, CancellationToken cancellationToken) =>
        ExecuteAsync(operation, async ct => { await action(ct); return true; }, cancellationToken);

    private static TimeSpan Elapsed(ResilienceContext context) =>
        context.Properties.TryGetValue(StartedKey, out long started) ? Stopwatch.GetElapsedTime(started) : TimeSpan.Zero;
}
