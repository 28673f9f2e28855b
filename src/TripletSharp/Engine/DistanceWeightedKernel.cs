using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// CPU distance-weighted sampling (Wu et al. 2017) in one pass per anchor: the log-weights of its negatives
/// (vectorised log), their exponentials relative to the row's largest, a cumulative sum in double, and one binary search
/// per positive. Replaces a dozen B×B tensor passes (two logs, an exponential and a cumulative sum among them).
/// </summary>
internal static class DistanceWeightedKernel
{
    /// <summary>
    /// For every (anchor, positive) of <paramref name="t"/> one negative drawn with probability ∝ w(d) =
    /// d^(2−n)·(1 − d²/4)^(−(n−3)/2), d clamped to ≥ <paramref name="cutoff"/>; negatives at <paramref name="nonzeroLossCutoff"/>
    /// or farther have weight 0, and anchors with no other negative are skipped. <paramref name="uniform"/> holds one
    /// uniform [0, 1) draw per (anchor, positive slot), row-major B×<see cref="PairTable.Width"/>.
    /// Writes the negative of every (anchor, positive slot) into <paramref name="chosen"/>[0..<see cref="SlotTriplets.Count"/>),
    /// −1 where none (<see cref="SlotTriplets"/>).
    /// </summary>
    public static void Draw(Tensor m, PairTable t, double dim, double cutoff, double nonzeroLossCutoff, double[] uniform, int[] chosen)
    {
        if (m.dtype == ScalarType.Float32) Run<float>(m, t, dim, cutoff, nonzeroLossCutoff, uniform, chosen);
        else Run<double>(m, t, dim, cutoff, nonzeroLossCutoff, uniform, chosen);
    }

    private static void Run<T>(Tensor m, PairTable t, double dim, double cutoff, double nonzeroLossCutoff, double[] uniform, int[] chosen)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int b = t.Batch, width = t.Width;
        Array.Fill(chosen, -1, 0, SlotTriplets.Count(t));
        int threads = HostTensor.Threads;
        using var blocks = new RowBlocks(m, RowBlocks.Size(b, b, System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), 4L * threads));
        var p = new Params(2.0 - dim, (dim - 3.0) / 2.0, cutoff, nonzeroLossCutoff);
        Parallel.For(0, blocks.Count, new ParallelOptions { MaxDegreeOfParallelism = threads },
            () => new double[b],
            (block, _, cdf) =>
            {
                var rows = HostTensor.Span<T>(blocks[block]);
                long r0 = block * blocks.RowsPerBlock;
                for (int r = 0; r < rows.Length / b; r++)
                {
                    int a = (int)(r0 + r);
                    var row = rows.Slice(r * b, b);
                    if (t.IsGeneral) Row(a, row, t, p, cdf, uniform, chosen, NegativeRows.Matches(t, a));
                    else Row(a, row, t, p, cdf, uniform, chosen, NegativeRows.Classes(t, a));
                }
                return cdf;
            },
            _ => { });
    }

    /// <summary>Draws the negatives of anchor <paramref name="a"/>'s positive slots into <paramref name="chosen"/> (none when no negative can be drawn).</summary>
    private static void Row<T, TNeg>(int a, Span<T> row, PairTable t, in Params p, double[] cdf, double[] uniform, int[] chosen, TNeg negatives)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TNeg : struct, INegativeRow
    {
        int npos = (int)t.PositiveCounts[a];
        if (npos == 0) return;
        int b = row.Length;
        // Log-weights (−∞ for columns that cannot be drawn) and their maximum.
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated)
        {
            // Float rows: the logs in float (as the matrix itself), eight lanes at a time.
            LogWeights(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(row), cdf, p);
        }
        else
        {
            for (int n = 0; n < b; n++) cdf[n] = double.CreateTruncating(row[n]);
            LogWeights(cdf, p);
        }
        double max = double.NegativeInfinity;
        long never = BitConverter.DoubleToInt64Bits(double.NegativeInfinity);
        int start = 0;
        if (typeof(TNeg) == typeof(ClassRow) && Avx2.IsSupported)
        {
            // Single labels: the same mask four columns at a time (class ids compared as int64 lanes, the distance
            // widened exactly to double); the maximum of the same values, which does not depend on their order.
            start = b / 4 * 4;
            max = MaskClasses(row, t.HostClasses, t.HostClasses[a], cdf, p.NonzeroLossCutoff, start);
        }
        for (int n = start; n < b; n++)
        {
            // Branch-free: whether a column can be drawn is data, about half the time either way.
            long drawable = -(long)(negatives.Negative(n) & (double.CreateTruncating(row[n]) < p.NonzeroLossCutoff ? 1 : 0));
            double lw = BitConverter.Int64BitsToDouble((BitConverter.DoubleToInt64Bits(cdf[n]) & drawable) | (never & ~drawable));
            cdf[n] = lw;
            max = double.MaxNative(max, lw);
        }
        if (double.IsNegativeInfinity(max)) return;
        Exponentials(cdf, max);
        double sum = 0;
        for (int n = 0; n < b; n++)
        {
            sum += cdf[n];
            cdf[n] = sum;
        }
        int width = t.Width;
        for (int k = 0; k < npos; k++)
        {
            double target = uniform[(long)a * width + k] * sum;
            // First column whose cumulative weight exceeds the target (a column of weight 0 never is the first), i.e. the
            // number of columns whose cumulative weight is ≤ the target (non-decreasing): a branch-free search, since which
            // half holds it is data (a mispredicted branch per step).
            int lo = 0, len = b;
            ref double c0 = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(cdf);
            while (len > 0)
            {
                int half = len >> 1;
                bool below = System.Runtime.CompilerServices.Unsafe.Add(ref c0, lo + half) <= target;
                lo = below ? lo + half + 1 : lo;
                len = below ? len - half - 1 : half;
            }
            if (lo == b)
            {
                // Rounding put the target at the total: the last column with a weight.
                lo = b - 1;
                while (lo > 0 && cdf[lo - 1] == cdf[lo]) lo--;
            }
            chosen[(long)a * width + k] = lo;
        }
    }

    /// <summary>
    /// Columns [0, <paramref name="end"/>) (a multiple of four) of the mask pass for single labels: −∞ where the column is
    /// of the anchor's class or at the cutoff or farther, the log-weight otherwise; returns the largest.
    /// </summary>
    private static double MaskClasses<T>(Span<T> row, int[] classes, int anchorClass, double[] lw, double cutoff, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var own = Vector256.Create((long)anchorClass);
        var limit = Vector256.Create(cutoff);
        var never = Vector256.Create(double.NegativeInfinity);
        var max = never;
        ref int c = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(classes);
        for (int n = 0; n < end; n += 4)
        {
            var cls = Avx2.ConvertToVector256Int64(Vector128.LoadUnsafe(ref c, (nuint)n));
            var d = HostTensor.Widen4<T>(row.Slice(n, 4));
            var drawable = Vector256.LessThan(d, limit) & ~Vector256.Equals(cls, own).AsDouble();
            var v = Vector256.ConditionalSelect(drawable, Vector256.Create(lw.AsSpan(n, 4)), never);
            v.CopyTo(lw.AsSpan(n, 4));
            max = Vector256.Max(max, v);
        }
        double m = double.NegativeInfinity;
        for (int i = 0; i < 4; i++) m = Math.Max(m, max.GetElement(i));
        return m;
    }

    /// <summary>In place: d → (2 − n)·log max(d, cutoff) − ((n − 3)/2)·log max(1 − max(d, cutoff)²/4, 1e-8).</summary>
    private static void LogWeights(double[] values, in Params p)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var cutoff = Vector256.Create(p.Cutoff);
            var one = Vector256.Create(1.0);
            var quarter = Vector256.Create(0.25);
            var floor = Vector256.Create(1e-8);
            var first = Vector256.Create(p.DistanceFactor);
            var second = Vector256.Create(p.SphereFactor);
            for (; i + Vector256<double>.Count <= values.Length; i += Vector256<double>.Count)
            {
                var d = Vector256.Max(Vector256.Create(values.AsSpan(i, Vector256<double>.Count)), cutoff);
                var sphere = Vector256.Max(one - d * d * quarter, floor);
                (first * Vector256.Log(d) - second * Vector256.Log(sphere)).CopyTo(values.AsSpan(i));
            }
        }
        for (; i < values.Length; i++)
        {
            double d = Math.Max(values[i], p.Cutoff);
            values[i] = p.DistanceFactor * Math.Log(d) - p.SphereFactor * Math.Log(Math.Max(1 - d * d * 0.25, 1e-8));
        }
    }

    /// <summary>The same log-weights from float distances, computed in float and widened into <paramref name="dest"/>.</summary>
    private static void LogWeights(ReadOnlySpan<float> row, double[] dest, in Params p)
    {
        int i = 0;
        var cutoff = Vector256.Create((float)p.Cutoff);
        var one = Vector256.Create(1f);
        var quarter = Vector256.Create(0.25f);
        var floor = Vector256.Create(1e-8f);
        var first = Vector256.Create((float)p.DistanceFactor);
        var second = Vector256.Create((float)p.SphereFactor);
        if (Vector512.IsHardwareAccelerated)
        {
            // The same operations per lane, sixteen at a time (Vector512.Log of float equals Vector256.Log bit for bit:
            // checked over every positive finite float).
            var cutoff16 = Vector512.Create((float)p.Cutoff);
            var first16 = Vector512.Create((float)p.DistanceFactor);
            var second16 = Vector512.Create((float)p.SphereFactor);
            for (; i + Vector512<float>.Count <= row.Length; i += Vector512<float>.Count)
            {
                var d = Vector512.Max(Vector512.Create(row.Slice(i, Vector512<float>.Count)), cutoff16);
                var sphere = Vector512.Max(Vector512.Create(1f) - d * d * Vector512.Create(0.25f), Vector512.Create(1e-8f));
                var (lower, upper) = Vector512.Widen(first16 * Vector512.Log(d) - second16 * Vector512.Log(sphere));
                lower.CopyTo(dest.AsSpan(i));
                upper.CopyTo(dest.AsSpan(i + Vector512<double>.Count));
            }
        }
        for (; i + Vector256<float>.Count <= row.Length; i += Vector256<float>.Count)
        {
            var d = Vector256.Max(Vector256.Create(row.Slice(i, Vector256<float>.Count)), cutoff);
            var sphere = Vector256.Max(one - d * d * quarter, floor);
            var (lower, upper) = Vector256.Widen(first * Vector256.Log(d) - second * Vector256.Log(sphere));
            lower.CopyTo(dest.AsSpan(i));
            upper.CopyTo(dest.AsSpan(i + Vector256<double>.Count));
        }
        for (; i < row.Length; i++)
        {
            float d = Math.Max(row[i], (float)p.Cutoff);
            dest[i] = (float)p.DistanceFactor * MathF.Log(d) - (float)p.SphereFactor * MathF.Log(Math.Max(1 - d * d * 0.25f, 1e-8f));
        }
    }

    /// <summary>In place: v → exp(v − max) (0 below e^−708, so −∞ → 0).</summary>
    private static void Exponentials(double[] values, double max)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // The same operations per lane as the four-lane form below, eight lanes at a time.
            var mv = Vector512.Create(max);
            for (; i + Vector512<double>.Count <= values.Length; i += Vector512<double>.Count)
            {
                var x = Vector512.Create(values.AsSpan(i, Vector512<double>.Count)) - mv;
                Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(MinExponent)), Vector512<double>.Zero, ExpNonPositive(x)).CopyTo(values.AsSpan(i));
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var mv = Vector256.Create(max);
            for (; i + Vector256<double>.Count <= values.Length; i += Vector256<double>.Count)
            {
                var v = Vector256.Create(values.AsSpan(i, Vector256<double>.Count));
                var x = v - mv;
                Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(MinExponent)), Vector256<double>.Zero, ExpNonPositive(x)).CopyTo(values.AsSpan(i));
            }
        }
        for (; i < values.Length; i++) values[i] = values[i] - max < MinExponent ? 0 : Math.Exp(values[i] - max);
    }

    /// <summary>Below this, exp is taken as 0 (the smallest normal double is about e^−708).</summary>
    private const double MinExponent = -708;

    /// <summary>
    /// exp(x) for MinExponent ≤ x ≤ 0 to about 1e-15 relative: x = k·ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor
    /// polynomial of degree 12, 2^k from the exponent bits. (<c>Vector256.Exp</c> of double is not vectorised here.)
    /// </summary>
    private static Vector256<double> ExpNonPositive(Vector256<double> x)
    {
        x = Vector256.Max(x, Vector256.Create(MinExponent));
        var k = Vector256.Round(x * Vector256.Create(1.4426950408889634));
        var r = x - k * Vector256.Create(0.6931471803691238) - k * Vector256.Create(1.9082149292705877e-10);
        var p = Vector256.Create(1.0 / 479001600);
        foreach (double c in TaylorCoefficients) p = p * r + Vector256.Create(c);
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt64(k) + Vector256.Create(1023L), 52).AsDouble();
        return p * scale;
    }

    /// <summary><see cref="ExpNonPositive(Vector256{double})"/> on eight lanes: the same operations in the same order.</summary>
    private static Vector512<double> ExpNonPositive(Vector512<double> x)
    {
        x = Vector512.Max(x, Vector512.Create(MinExponent));
        var k = Vector512.Round(x * Vector512.Create(1.4426950408889634));
        var r = x - k * Vector512.Create(0.6931471803691238) - k * Vector512.Create(1.9082149292705877e-10);
        var p = Vector512.Create(1.0 / 479001600);
        foreach (double c in TaylorCoefficients) p = p * r + Vector512.Create(c);
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt64(k) + Vector512.Create(1023L), 52).AsDouble();
        return p * scale;
    }

    /// <summary>1/n! for n = 11 down to 0.</summary>
    private static readonly double[] TaylorCoefficients =
        { 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1.0, 1.0 };

    /// <summary>The sampling constants: (2 − n), (n − 3)/2, the clamp and the cutoff.</summary>
    private readonly record struct Params(double DistanceFactor, double SphereFactor, double Cutoff, double NonzeroLossCutoff);
}
