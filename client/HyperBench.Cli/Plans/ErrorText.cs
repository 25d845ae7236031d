namespace HyperBench.Cli.Plans;

internal static class ErrorText
{
    /// <summary>An exception's message for a user: ArgumentException's " (Parameter 'x')" suffix dropped, the value it names kept.</summary>
    public static string For(Exception ex) => ex is ArgumentException ? ex.Message.Split(" (Parameter", 2)[0] : ex.Message;
}
