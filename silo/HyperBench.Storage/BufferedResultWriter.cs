using System.Data.Common;
using System.Threading.Channels;
using HyperBench.Kernels.Measurement;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HyperBench.Storage;

/// <summary>
/// Queues results in memory and stores them in the background, in order: the results queued while a write runs go together in the
/// next one (one transaction, at most <see cref="BufferedResultWriterOptions.MaxBatch"/>), so a silo whose devices share one writer
/// stores a fleet's results in few transactions. While the database is down a batch stays at the head of the queue and is retried
/// (with back-off) until the database is back, so a measured result is never dropped because of an outage; a batch the database
/// refuses for another reason is stored again one result at a time, and a result refused alone (a missing sweep, a constraint) faults
/// its task and is logged instead of blocking the queue. Thread-safe.
/// </summary>
/// <example>
/// <code>
/// await using var writer = new BufferedResultWriter(store, logger: logger);
/// _ = writer.Enqueue(sweepId, result, environment, deviceKey, attempt); // returns at once
/// await writer.FlushAsync(ct);                                            // everything enqueued so far is stored
/// </code>
/// </example>
public sealed class BufferedResultWriter : IAsyncDisposable
{
    private readonly ISweepStore _store;
    private readonly BufferedResultWriterOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<PendingResult> _queue = Channel.CreateUnbounded<PendingResult>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _enqueueLock = new();
    private readonly Task _worker;
    private Task _last = Task.CompletedTask;
    private int _pending;
    private bool _disposed;

    public BufferedResultWriter(ISweepStore store, BufferedResultWriterOptions? options = null, ILogger<BufferedResultWriter>? logger = null)
    {
        _store = store;
        _options = options ?? new BufferedResultWriterOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _worker = Task.Run(RunAsync);
    }

    /// <summary>Results enqueued and not yet stored (nor refused).</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>
    /// Queues a result and returns at once. The task completes when it is stored (true), was already stored (false, see
    /// <see cref="ISweepStore.SaveResultAsync"/>), or was refused by the database for a reason other than unavailability (faulted).
    /// </summary>
    public Task<bool> Enqueue(string sweepId, CaseResult result, EnvironmentInfo environment, string deviceKey, int attempt)
    {
        var item = new PendingResult(sweepId, result, environment, deviceKey, attempt);
        lock (_enqueueLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Interlocked.Increment(ref _pending);
            if (!_queue.Writer.TryWrite(item)) throw new InvalidOperationException("the result queue is closed");
            _last = item.Completion.Task;
        }
        return item.Completion.Task;
    }

    /// <summary>Waits until every result enqueued before this call is stored or refused.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        Task last;
        lock (_enqueueLock) last = _last;
        // Results are stored in order, so the last one done means all are; its own outcome belongs to its caller.
        await last.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
            .WaitAsync(cancellationToken);
    }

    /// <summary>Stops accepting results and waits for the buffer to drain (at most <see cref="BufferedResultWriterOptions.ShutdownTimeout"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_enqueueLock)
        {
            if (_disposed) return;
            _disposed = true;
            _queue.Writer.TryComplete();
        }
        try
        {
            await _worker.WaitAsync(_options.ShutdownTimeout);
        }
        catch (TimeoutException)
        {
            await _abort.CancelAsync();
            await _worker;
        }
        _abort.Dispose();
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingResult>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatch && _queue.Reader.TryRead(out var item)) batch.Add(item);
            if (batch.Count == 0) continue;
            if (_abort.IsCancellationRequested)
                foreach (var item in batch) Abandon(item);
            else
                await StoreAsync(batch, isolated: false);
        }
    }

    private async Task StoreAsync(IReadOnlyList<PendingResult> batch, bool isolated)
    {
        var delay = _options.FirstRetryDelay;
        while (true)
        {
            try
            {
                var stored = await _store.SaveResultsAsync([.. batch.Select(i => new ResultToStore(i.SweepId, i.Result, i.Environment, i.DeviceKey, i.Attempt))],
                    _abort.Token);
                for (int i = 0; i < batch.Count; i++) Settle(batch[i], c => c.TrySetResult(stored[i]));
                return;
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                foreach (var item in batch) Abandon(item);
                return;
            }
            catch (Exception e) when (IsUnavailable(e))
            {
                if (_logger.IsEnabled(LogLevel.Warning))
                    _logger.LogWarning(e, "Database {Database} unavailable; {Pending} results kept in memory, retrying in {Delay} s",
                        _store.Description, Pending, delay.TotalSeconds);
                try
                {
                    await Task.Delay(delay, _abort.Token);
                }
                catch (OperationCanceledException)
                {
                    foreach (var item in batch) Abandon(item);
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
            catch (Exception e) when (batch.Count > 1 && !isolated)
            {
                // One result the database refuses must not take its batch-mates down: store them one by one to find it.
                if (_logger.IsEnabled(LogLevel.Warning))
                    _logger.LogWarning(e, "A batch of {Count} results was refused by {Database}; storing them one at a time", batch.Count, _store.Description);
                foreach (var item in batch) await StoreAsync([item], isolated: true);
                return;
            }
            catch (Exception e)
            {
                foreach (var item in batch)
                {
                    if (_logger.IsEnabled(LogLevel.Error))
                        _logger.LogError(e, "Result of case {CaseId} in sweep {SweepId} refused by {Database}; not retried", item.CaseId, item.SweepId,
                            _store.Description);
                    Settle(item, c => c.TrySetException(e));
                }
                return;
            }
        }
    }

    private void Abandon(PendingResult item)
    {
        if (_logger.IsEnabled(LogLevel.Error))
            _logger.LogError("Result of case {CaseId} in sweep {SweepId} NOT stored: {Database} still unavailable at shutdown",
                item.CaseId, item.SweepId, _store.Description);
        Settle(item, c => c.TrySetException(new StorageUnavailableException(
            $"result of case {item.CaseId} in sweep {item.SweepId} not stored: database {_store.Description} unavailable until shutdown.")));
    }

    /// <summary>Ends one result: it leaves <see cref="Pending"/> before its task completes, so whoever awaited it reads the count without it.</summary>
    private void Settle(PendingResult item, Action<TaskCompletionSource<bool>> complete)
    {
        Interlocked.Decrement(ref _pending);
        complete(item.Completion);
    }

    private static bool IsUnavailable(Exception e) =>
        e is StorageUnavailableException or TimeoutException || e is DbException { IsTransient: true };

    private sealed class PendingResult(string sweepId, CaseResult result, EnvironmentInfo environment, string deviceKey, int attempt)
    {
        public string SweepId { get; } = sweepId;
        public CaseResult Result { get; } = result;
        public string CaseId { get; } = result.CaseId;
        public EnvironmentInfo Environment { get; } = environment;
        public string DeviceKey { get; } = deviceKey;
        public int Attempt { get; } = attempt;
        public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
