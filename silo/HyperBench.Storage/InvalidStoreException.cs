namespace HyperBench.Storage;

/// <summary>
/// The database a setting names cannot be used as it is (a directory, a file that is not SQLite, a path under a file, a database
/// without the HyperBench schema where one is read). Bad input, not an outage: retrying does not help. The message names it,
/// never with a password.
/// </summary>
public sealed class InvalidStoreException : Exception
{
    public InvalidStoreException()
    {
    }

    public InvalidStoreException(string message) : base(message)
    {
    }

    public InvalidStoreException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
