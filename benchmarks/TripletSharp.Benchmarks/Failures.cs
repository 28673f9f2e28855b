namespace TripletSharp.Benchmarks;

/// <summary>Maps the exceptions a benchmark body may legitimately hit to short status texts.</summary>
internal static class Failures
{
    public const string NotImplemented = "not implemented yet";

    /// <summary>Every failure of a body is reported in its row rather than ending the whole run.</summary>
    public static bool IsExpected(Exception e) => e is not (StackOverflowException or AccessViolationException);

    public static string Describe(Exception e)
    {
        if (e is NotImplementedException) return NotImplemented;
        if (e is OutOfMemoryException || IsTorchOutOfMemory(e)) return "out of memory";
        string first = e.Message.Split('\n')[0].Trim();
        return $"error: {(first.Length > 120 ? first[..120] + "…" : first)}";
    }

    private static bool IsTorchOutOfMemory(Exception e) =>
        e.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase) ||
        e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) ||
        e.Message.Contains("not enough memory", StringComparison.OrdinalIgnoreCase);
}
