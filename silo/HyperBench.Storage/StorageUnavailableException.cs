namespace HyperBench.Storage;

/// <summary>The database stayed unreachable (or busy) for the whole retry window. The message names it, never with a password.</summary>
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message) : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
