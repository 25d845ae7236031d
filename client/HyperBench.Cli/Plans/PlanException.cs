namespace HyperBench.Cli.Plans;

/// <summary>A plan value the user gave is invalid; the message names it. The CLI exits with code 2.</summary>
public sealed class PlanException(string message) : Exception(message);
