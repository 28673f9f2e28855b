namespace TripletSharp.Tests.Reference;

/// <summary>The triplet margin loss over an explicit list of triplets, in double precision.</summary>
public static class RefLoss
{
    public static double[] PerTriplet(double[,] e, IReadOnlyList<(int A, int P, int N)> triplets, double margin, bool soft, bool swap)
    {
        var result = new double[triplets.Count];
        for (int i = 0; i < triplets.Count; i++)
        {
            var (a, p, n) = triplets[i];
            double an = swap ? Math.Min(e[a, n], e[p, n]) : e[a, n];
            double z = e[a, p] - an;
            result[i] = soft ? Softplus(z) : Math.Max(0, z + margin);
        }
        return result;
    }

    /// <summary>
    /// Magnitude of each triplet's operands and result, |E_ap| + |E_an| + margin + |loss|: float32 inputs are only known to about 1e-7 of
    /// this, so tolerances are relative to it (a tiny loss that is the difference of two large distances cannot be
    /// relatively exact).
    /// </summary>
    public static double[] Scale(double[,] e, IReadOnlyList<(int A, int P, int N)> triplets, double margin, bool swap, bool soft)
    {
        var result = new double[triplets.Count];
        for (int i = 0; i < triplets.Count; i++)
        {
            var (a, p, n) = triplets[i];
            double an = swap ? Math.Min(e[a, n], e[p, n]) : e[a, n];
            double z = e[a, p] - an;
            result[i] = Math.Abs(e[a, p]) + Math.Abs(an) + margin + Math.Max(0, z + margin) + (soft ? Softplus(z) : 0);
        }
        return result;
    }

    /// <summary>The scale of a reduced value: Σ scale over the divisor the reducer uses.</summary>
    public static double ReducedScale(string reducer, double[] perTriplet, double[] scale) => reducer switch
    {
        "sum" => scale.Sum(),
        "mean" => scale.Length == 0 ? 0 : scale.Sum() / scale.Length,
        "avg-nonzero" => perTriplet.Count(v => v > 0) is int k && k > 0 ? scale.Sum() / k : 0,
        _ => throw new ArgumentException(reducer),
    };

    public static double Softplus(double z) => z > 30 ? z : (z < -30 ? Math.Exp(z) : Math.Log(1 + Math.Exp(z)));

    public static double Reduce(string reducer, double[] perTriplet) => reducer switch
    {
        "sum" => perTriplet.Sum(),
        "mean" => perTriplet.Length == 0 ? 0 : perTriplet.Sum() / perTriplet.Length,
        "avg-nonzero" => perTriplet.Count(v => v > 0) is int k && k > 0 ? perTriplet.Sum() / k : 0,
        _ => throw new ArgumentException(reducer),
    };
}
