namespace HyperBench.Hosting;

/// <summary>
/// Blocks a device's own thread on a task without spinning first. <c>Task.Wait</c> and <c>GetAwaiter().GetResult()</c> on an
/// unfinished task spin (with yields) before they block; a silo has a thread per device, so 64-256 of them spinning at every lease,
/// result and completion took most of the machine's CPU in the fleet benchmark (docs/scheduling.md). This parks the thread on a
/// monitor until the task's continuation wakes it.
/// </summary>
internal static class Blocking
{
    public static T Wait<T>(Task<T> task)
    {
        Park(task);
        return task.GetAwaiter().GetResult();
    }

    public static void Wait(Task task)
    {
        Park(task);
        task.GetAwaiter().GetResult();
    }

    /// <summary>Waits at most <paramref name="timeout"/>; true when the task ended (its outcome is not observed).</summary>
    public static bool Wait(Task task, TimeSpan timeout)
    {
        if (task.IsCompleted) return true;
        var done = Signal(task);
        return done.Wait(timeout);
    }

    private static void Park(Task task)
    {
        if (task.IsCompleted) return;
        Signal(task).Wait();
    }

    // Not disposed: with a spin count of 0 and no WaitHandle asked for, it holds no OS handle, and disposing it could race the Set
    // of a continuation still running on another thread.
    private static ManualResetEventSlim Signal(Task task)
    {
        var done = new ManualResetEventSlim(false, spinCount: 0);
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(done.Set);
        return done;
    }
}
