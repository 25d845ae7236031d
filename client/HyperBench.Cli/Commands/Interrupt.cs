using System.Runtime.InteropServices;

namespace HyperBench.Cli.Commands;

/// <summary>
/// Turns the first Ctrl+C (SIGINT) or SIGTERM (a container stop, a CI timeout) into a cancellation the command handles: stop the
/// in-process silo, which hands running leases back, say how to resume and exit 130. A second signal ends the process the usual way.
/// </summary>
internal sealed class Interrupt : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly PosixSignalRegistration[] _registrations;

    public Interrupt(CancellationToken outer)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>True once a signal (not the outer token) asked this command to stop.</summary>
    public bool Signalled { get; private set; }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // The second signal is not cancelled: the runtime's default handling ends the process.
        if (Signalled) return;
        Signalled = true;
        context.Cancel = true;
        _cts.Cancel();
    }
}
