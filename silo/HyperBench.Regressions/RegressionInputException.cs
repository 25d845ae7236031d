namespace HyperBench.Regressions;

/// <summary>A comparison that cannot be made as asked (an unknown sweep, tag or schedule; a mixed comparison): the message names the value.</summary>
public sealed class RegressionInputException(string message) : Exception(message);
