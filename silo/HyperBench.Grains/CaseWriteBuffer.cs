using HyperBench.Storage;

namespace HyperBench.Grains;

/// <summary>
/// Group commit of a sweep's case transitions (docs/scheduling.md). A transition changes the row in memory at once and queues a copy
/// of it; its caller waits until that copy is stored. One write is in flight at a time; the transitions queued meanwhile go together
/// in the next write (one transaction, one multi-row update). Writes are stored in order, so SQL always holds a prefix of the
/// transitions. When a write fails, it and everything queued after it fail (their callers hear the error), and every one of them is
/// undone in memory, newest first: memory is back at what SQL holds. Used only from its grain's turns (no locking).
/// </summary>
internal sealed class CaseWriteBuffer(Func<IReadOnlyList<SweepCaseRow>, Task> write, Action afterRollback)
{
    private List<Queued> _queue = [];
    private Task? _flushing;

    /// <summary>Transitions stored so far, and the writes that stored them (their ratio is the batching).</summary>
    public long Stored { get; private set; }

    public long Writes { get; private set; }

    /// <summary>Queues the row as it is now; <paramref name="before"/> is its state before this transition (to undo it).</summary>
    public Task Enqueue(SweepEntry entry, SweepEntry.State before)
    {
        var queued = new Queued(entry, before, entry.Copy(), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _queue.Add(queued);
        _flushing ??= FlushAsync();
        return queued.Done.Task;
    }

    /// <summary>Completes when every transition queued so far is stored or undone (never faults).</summary>
    public async Task DrainAsync()
    {
        while (_flushing is { } flushing) await flushing;
    }

    private async Task FlushAsync()
    {
        // Let the calls already waiting for this grain's turn queue their transitions before the first write goes.
        await Task.Yield();
        while (_queue.Count > 0)
        {
            var batch = _queue;
            _queue = [];
            try
            {
                // A row changed twice before the write goes once, in its newest state.
                var rows = batch.GroupBy(q => q.Row.CaseId, StringComparer.Ordinal).Select(g => g.Last().Row).ToList();
                await write(rows);
                Stored += batch.Count;
                Writes++;
                foreach (var q in batch) q.Done.TrySetResult();
            }
            catch (Exception ex)
            {
                var failed = batch.Concat(_queue).ToList();
                _queue = [];
                for (int i = failed.Count - 1; i >= 0; i--) failed[i].Entry.Restore(failed[i].Before);
                afterRollback();
                foreach (var q in failed) q.Done.TrySetException(ex);
            }
        }
        _flushing = null;
    }

    private sealed record Queued(SweepEntry Entry, SweepEntry.State Before, SweepCaseRow Row, TaskCompletionSource Done);
}
