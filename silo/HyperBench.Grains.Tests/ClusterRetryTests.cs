using HyperBench.Hosting;

namespace HyperBench.Grains.Tests;

/// <summary>The bounded retry the CLI's status poll and a worker's completion use while a grain's silo dies and the grain moves.</summary>
public sealed class ClusterRetryTests
{
    [Fact]
    public async Task Call_TransientFailuresThenSuccess_ReturnsTheAnswer()
    {
        int calls = 0;
        var answer = await ClusterRetry.CallAsync(() => ++calls < 3
            ? Task.FromException<int>(new SiloUnavailableException("silo gone"))
            : Task.FromResult(42), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(42, answer);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task Call_GrainsOwnException_IsNotRetried()
    {
        int calls = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => ClusterRetry.CallAsync<int>(() =>
        {
            calls++;
            throw new InvalidOperationException("no such sweep");
        }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Call_TransientForever_GivesUpAfterTheBound()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<TimeoutException>(() => ClusterRetry.CallAsync<int>(() => throw new TimeoutException("no answer"),
            bound: TimeSpan.FromSeconds(1), cancellationToken: TestContext.Current.CancellationToken));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.3, 5);
    }
}
