using System.Diagnostics;

namespace HyperBench.Grains.Tests;

/// <summary>Waiting, in a test, for a state that silos or a database reach in their own time: read, look, wait a little, bounded.</summary>
internal static class Poll
{
    /// <summary>
    /// Reads until <paramref name="done"/> holds, and answers that value. Fails the test once <paramref name="bound"/> has passed (a read
    /// that does not answer is given up on at the bound), naming the last value and <paramref name="what"/>; or at once when
    /// <paramref name="broken"/> names a reason to stop waiting (a silo process that exited).
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan bound, TimeSpan interval,
        CancellationToken cancellationToken, Func<string>? what = null, Func<string?>? broken = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var left = bound - clock.Elapsed;
            T value;
            try
            {
                value = await read().WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken);
            }
            catch (TimeoutException)
            {
                Assert.Fail($"not within {bound.TotalSeconds:F0} s (a read did not answer): {what?.Invoke()}");
                throw;
            }
            if (done(value)) return value;
            if (broken?.Invoke() is { } reason) Assert.Fail($"{reason}\nwaiting for: {what?.Invoke()}");
            Assert.True(clock.Elapsed < bound, $"not within {bound.TotalSeconds:F0} s (last: {value}): {what?.Invoke()}");
            await Task.Delay(interval, cancellationToken);
        }
    }

    /// <summary><see cref="UntilAsync{T}"/> for a condition that is read whole.</summary>
    public static Task UntilAsync(Func<Task<bool>> done, TimeSpan bound, TimeSpan interval, CancellationToken cancellationToken,
        Func<string>? what = null, Func<string?>? broken = null) =>
        UntilAsync(done, static d => d, bound, interval, cancellationToken, what, broken);
}
