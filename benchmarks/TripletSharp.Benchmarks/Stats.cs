namespace TripletSharp.Benchmarks;

/// <summary>Small statistics helpers.</summary>
internal static class Stats
{
    public static double Median(IReadOnlyList<double> xs)
    {
        if (xs.Count == 0) return double.NaN;
        var s = xs.OrderBy(v => v).ToArray();
        int m = s.Length / 2;
        return s.Length % 2 == 1 ? s[m] : 0.5 * (s[m - 1] + s[m]);
    }

    public static double Ratio(double numerator, double denominator) =>
        double.IsNaN(numerator) || double.IsNaN(denominator) || denominator <= 0 ? double.NaN : numerator / denominator;

    public static double Mib(long bytes) => bytes / (1024.0 * 1024.0);
}
