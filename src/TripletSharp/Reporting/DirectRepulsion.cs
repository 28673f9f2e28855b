using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TripletSharp.Reporting;

/// <summary>
/// The repulsive half of the t-SNE gradient summed over every pair, without approximation: for each point i,
/// Σ_{j≠i} num_ij² (y_i − y_j) and Σ_{j≠i} num_ij with num_ij = (1 + ‖y_i − y_j‖²)⁻¹. O(N²) per evaluation, but eight
/// pairs per step in SIMD registers and no tree to build or walk, so below a few thousand points it takes less time than
/// the Barnes–Hut quadtree (which is approximate, θ = 0.5) and reaches a lower KL divergence.
/// </summary>
/// <remarks>
/// Each point's sums run over the points in index order in eight lanes (one 512-bit register, or two 256-bit ones with
/// the same lane-wise operations), reduced in one fixed order, so a result does not depend on the thread count or on
/// whether the CPU has AVX-512. A point's own term (num = 1, no force) is taken back out of its sum afterwards.
/// </remarks>
internal sealed class DirectRepulsion : IRepulsion
{
    private const int Lanes = 8;

    // Far beyond any map: (y − Far)² overflows to +∞, so a padding lane adds exactly 0 to every sum.
    private const double Far = 1e200;

    private readonly double[] xs, ys, zPart;
    private readonly bool wide;

    /// <summary>Buffers for maps of up to <paramref name="n"/> points.</summary>
    /// <param name="n">Most points per map.</param>
    /// <param name="wide">One 512-bit register (true) or two 256-bit ones (false) per step; default: 512 where the CPU has it. Both give the same bits.</param>
    public DirectRepulsion(int n, bool? wide = null)
    {
        Guard.NonNegative(n, nameof(n));
        this.wide = wide ?? Vector512.IsHardwareAccelerated;
        int padded = (n + Lanes - 1) / Lanes * Lanes;
        xs = new double[padded];
        ys = new double[padded];
        zPart = new double[n];
    }

    /// <summary>Whether this CPU runs the eight-lane sums in SIMD registers (otherwise the quadtree is faster).</summary>
    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;

    /// <inheritdoc />
    public double Compute(double[] y, int n, double[] repel)
    {
        if (n > zPart.Length) throw new ArgumentOutOfRangeException(nameof(n), n, $"'{nameof(n)}' must be at most {zPart.Length}, the size given to the constructor.");
        int padded = (n + Lanes - 1) / Lanes * Lanes;
        for (int i = 0; i < n; i++) { xs[i] = y[2 * i]; ys[i] = y[2 * i + 1]; }
        for (int i = n; i < padded; i++) { xs[i] = Far; ys[i] = Far; }
        const int chunk = 32;
        Parallel.For(0, (n + chunk - 1) / chunk, c => Rows(c * chunk, Math.Min(n, (c + 1) * chunk), padded, repel));
        double total = 0;
        for (int i = 0; i < n; i++) total += zPart[i];
        return total;
    }

    // Fully optimised from the first call, as BarnesHutTsne's loops: a report fits one map per process.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Rows(int start, int end, int padded, double[] repel)
    {
        for (int i = start; i < end; i++)
        {
            var (fx, fy, z) = wide ? Row512(xs[i], ys[i], padded) : Row256(xs[i], ys[i], padded);
            repel[2 * i] = fx; repel[2 * i + 1] = fy;
            zPart[i] = z - 1; // the point's own num = 1
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (double X, double Y, double Z) Row512(double px, double py, int count)
    {
        Vector512<double> vx = Vector512.Create(px), vy = Vector512.Create(py), one = Vector512<double>.One;
        Vector512<double> fx = default, fy = default, z = default;
        ref double x0 = ref xs[0], y0 = ref ys[0];
        for (int j = 0; j < count; j += Lanes)
        {
            var dx = vx - Vector512.LoadUnsafe(ref x0, (nuint)j);
            var dy = vy - Vector512.LoadUnsafe(ref y0, (nuint)j);
            var q = one / (one + (dx * dx + dy * dy));
            z += q;
            var q2 = q * q;
            fx += q2 * dx;
            fy += q2 * dy;
        }
        return (Reduce(fx.GetLower(), fx.GetUpper()), Reduce(fy.GetLower(), fy.GetUpper()), Reduce(z.GetLower(), z.GetUpper()));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (double X, double Y, double Z) Row256(double px, double py, int count)
    {
        Vector256<double> vx = Vector256.Create(px), vy = Vector256.Create(py), one = Vector256<double>.One;
        Vector256<double> fxLo = default, fyLo = default, zLo = default, fxHi = default, fyHi = default, zHi = default;
        ref double x0 = ref xs[0], y0 = ref ys[0];
        for (int j = 0; j < count; j += Lanes)
        {
            var dx = vx - Vector256.LoadUnsafe(ref x0, (nuint)j);
            var dy = vy - Vector256.LoadUnsafe(ref y0, (nuint)j);
            var q = one / (one + (dx * dx + dy * dy));
            zLo += q;
            var q2 = q * q;
            fxLo += q2 * dx;
            fyLo += q2 * dy;
            dx = vx - Vector256.LoadUnsafe(ref x0, (nuint)(j + 4));
            dy = vy - Vector256.LoadUnsafe(ref y0, (nuint)(j + 4));
            q = one / (one + (dx * dx + dy * dy));
            zHi += q;
            q2 = q * q;
            fxHi += q2 * dx;
            fyHi += q2 * dy;
        }
        return (Reduce(fxLo, fxHi), Reduce(fyLo, fyHi), Reduce(zLo, zHi));
    }

    /// <summary>The eight lanes' sum in one fixed order: lane k + lane k + 4, then the four in turn.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Reduce(Vector256<double> lo, Vector256<double> hi)
    {
        var s = lo + hi;
        return s.GetElement(0) + s.GetElement(1) + s.GetElement(2) + s.GetElement(3);
    }
}
