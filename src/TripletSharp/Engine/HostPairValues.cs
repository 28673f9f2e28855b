using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TripletSharp.Engine;

/// <summary>
/// The measure of many (row, row) pairs in float64 on the host: one pass over the two rows per pair, no gathered copies.
/// </summary>
/// <remarks>
/// Each pair is summed in one fixed order (four lanes, then the lanes, then the tail), whatever the thread count or
/// the pair's position in the list, so a pair's value is the same in an all-pairs and an explicit-pairs evaluation.
/// The torch form (gather both rows of every pair, subtract, reduce) moved about 2 × pairs × D × 8 bytes through memory
/// and was most of the report's ROC time.
/// </remarks>
internal static class HostPairValues
{
    /// <summary>Whether <paramref name="kind"/> has a host form here (everything but a custom measure).</summary>
    public static bool Supports(MeasureKind kind) => kind is MeasureKind.Euclidean or MeasureKind.SquaredEuclidean or MeasureKind.Cosine or MeasureKind.Dot;

    /// <summary>
    /// values[p] = measure(row <paramref name="ia"/>[p] of <paramref name="x"/>, row <paramref name="ib"/>[p] of
    /// <paramref name="y"/>); both row-major with <paramref name="dim"/> columns, already prepared (normalised where the measure asks).
    /// </summary>
    public static double[] Compute(MeasureKind kind, double[] x, double[] y, int dim, long[] ia, long[] ib, int threads)
    {
        if (!Supports(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "No host form for this measure.");
        var values = new double[ia.Length];
        const int chunk = 1 << 14;
        int chunks = (ia.Length + chunk - 1) / chunk;
        bool difference = kind is MeasureKind.Euclidean or MeasureKind.SquaredEuclidean;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, c =>
        {
            int end = Math.Min(ia.Length, (c + 1) * chunk);
            for (int p = c * chunk; p < end; p++)
            {
                var a = new ReadOnlySpan<double>(x, checked((int)(ia[p] * dim)), dim);
                var b = new ReadOnlySpan<double>(y, checked((int)(ib[p] * dim)), dim);
                double s = difference ? SquaredDifference(a, b) : Dot(a, b);
                values[p] = kind switch
                {
                    MeasureKind.Euclidean => Math.Sqrt(s),
                    MeasureKind.Cosine => 1.0 - s,
                    _ => s,
                };
            }
        });
        return values;
    }

    /// <summary>Σ (a_k − b_k)².</summary>
    internal static double SquaredDifference(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => Sum<Difference>(a, b);

    /// <summary>Σ a_k b_k.</summary>
    internal static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => Sum<Product>(a, b);

    /// <summary>Σ term(a_k, b_k): four lanes, then the lanes pairwise, then the tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Sum<TTerm>(ReadOnlySpan<double> a, ReadOnlySpan<double> b) where TTerm : struct, ITerm
    {
        ref double ra = ref MemoryMarshal.GetReference(a);
        ref double rb = ref MemoryMarshal.GetReference(b);
        var acc = Vector256<double>.Zero;
        int k = 0;
        for (; k + 4 <= a.Length; k += 4)
            acc += TTerm.Of(Vector256.LoadUnsafe(ref ra, (nuint)k), Vector256.LoadUnsafe(ref rb, (nuint)k));
        double s = (acc.GetElement(0) + acc.GetElement(1)) + (acc.GetElement(2) + acc.GetElement(3));
        for (; k < a.Length; k++) s += TTerm.Of(Unsafe.Add(ref ra, k), Unsafe.Add(ref rb, k));
        return s;
    }

    /// <summary>One term of a sum over coordinates; a struct type argument, so each sum compiles to its own loop.</summary>
    private interface ITerm
    {
        static abstract Vector256<double> Of(Vector256<double> a, Vector256<double> b);

        static abstract double Of(double a, double b);
    }

    private readonly struct Difference : ITerm
    {
        public static Vector256<double> Of(Vector256<double> a, Vector256<double> b) { var d = a - b; return d * d; }

        public static double Of(double a, double b) { double d = a - b; return d * d; }
    }

    private readonly struct Product : ITerm
    {
        public static Vector256<double> Of(Vector256<double> a, Vector256<double> b) => a * b;

        public static double Of(double a, double b) => a * b;
    }
}
