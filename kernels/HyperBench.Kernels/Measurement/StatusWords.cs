namespace HyperBench.Kernels.Measurement;

/// <summary>
/// The one mapping between the status enums and the lower-case words that SQL stores (existing databases hold exactly these) and
/// that tables, CSV and JSON show: the word is the member's name in lower case, so adding a member adds its word.
/// </summary>
public static class StatusWords
{
    /// <summary>The stored and shown word: <c>CaseStatus.Pending</c> is "pending".</summary>
    public static string Word<TStatus>(TStatus status) where TStatus : struct, Enum =>
        Enum.IsDefined(status)
            ? status.ToString().ToLowerInvariant()
            : throw new ArgumentOutOfRangeException(nameof(status), status, $"{typeof(TStatus).Name} has no member {status}.");

    /// <exception cref="InvalidDataException">The word is no member's name (a database written by something else): names it.</exception>
    public static TStatus Parse<TStatus>(string word) where TStatus : struct, Enum =>
        word is not null && Enum.TryParse<TStatus>(word, ignoreCase: true, out var status) && Enum.IsDefined(status)
            && !char.IsDigit(word.TrimStart()[0]) // Enum.TryParse also takes "0"; a stored status is always a word
            ? status
            : throw new InvalidDataException($"'{word}' is not a {typeof(TStatus).Name}; known: {string.Join(", ", Enum.GetValues<TStatus>().Select(Word))}.");
}
