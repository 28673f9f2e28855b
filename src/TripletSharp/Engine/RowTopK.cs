using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TripletSharp.Engine;

/// <summary>
/// Exact top-k (smallest first, ties by lower column) of one materialised row of ranking keys
/// <c>u_j = offset_j + scale·m_j</c>; used on rows of a measure's matrix and as the fused path's fallback.
/// </summary>
/// <remarks>
/// A general top-k (nth_element + sort of k pairs) costs several times the matrix product when k is a tenth of
/// the row. Here a threshold estimated from a position-stratified sample keeps a little more than k candidates in
/// one vectorised pass; they are collected in column order and sorted (<see cref="PackedKeys.Sort"/>). A
/// threshold that proves too tight is loosened (finally dropped), so the result is always exact. The scale must
/// be ±1 or ±2 so that <c>scale·m</c> is exact and scalar and vector code round identically.
/// </remarks>
internal sealed class RowTopK
{
    private const int SampleSize = 2048;
    private const int SampleRuns = 128;

    private readonly ulong[] _a;
    private readonly ulong[] _b;
    private readonly float[] _sample = new float[SampleSize];
    private readonly int[] _hist = new int[PackedKeys.HistogramSize];

    public RowTopK(int columns)
    {
        _a = new ulong[columns];
        _b = new ulong[columns];
    }

    /// <summary>Filter passes that had to be repeated with a looser threshold (diagnostics, tests).</summary>
    public long Retries { get; private set; }

    /// <summary>
    /// Writes the k smallest keys of the row (column <paramref name="self"/> excluded when ≥ 0) in ascending
    /// (key, column) order: columns into <paramref name="outColumns"/>, keys into <paramref name="outKeys"/>.
    /// </summary>
    public void Select(ReadOnlySpan<float> m, ReadOnlySpan<float> offset, float scale, int self, int k, Span<long> outColumns, Span<float> outKeys)
    {
        int g = m.Length;
        int available = g - (self >= 0 && self < g ? 1 : 0);
        float t = EstimateThreshold(m, offset, scale, k, available, z: 3);
        int c = Filter(m, offset, scale, t, self);
        if (c < k)
        {
            Retries++;
            t = EstimateThreshold(m, offset, scale, k, available, z: 16);
            c = Filter(m, offset, scale, t, self);
            if (c < k) c = Filter(m, offset, scale, float.PositiveInfinity, self);
        }
        var sorted = PackedKeys.Sort(_a.AsSpan(0, c), _b, _hist);
        for (int i = 0; i < k; i++)
        {
            outColumns[i] = PackedKeys.Column(sorted[i]);
            outKeys[i] = PackedKeys.Key(sorted[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Key(ReadOnlySpan<float> m, ReadOnlySpan<float> offset, float scale, int j) =>
        offset.IsEmpty ? scale * m[j] : offset[j] + scale * m[j];

    internal float EstimateThreshold(ReadOnlySpan<float> m, ReadOnlySpan<float> offset, float scale, int k, int available, double z)
    {
        int g = m.Length;
        if (g <= 2 * SampleSize) return float.PositiveInfinity;
        int rank = PackedKeys.ThresholdRank(k, available, SampleSize, z);
        if (rank < 0) return float.PositiveInfinity;
        var sample = _sample.AsSpan();
        // Evenly spaced runs of contiguous columns: stratified by position, few cache lines touched.
        const int run = SampleSize / SampleRuns;
        for (int ch = 0, i = 0; ch < SampleRuns; ch++)
        {
            int j0 = (int)((long)ch * (g - run) / (SampleRuns - 1));
            for (int j = j0; j < j0 + run; j++) sample[i++] = Key(m, offset, scale, j);
        }
        return PackedKeys.ThresholdAtRank(sample, rank, _hist);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int Filter(ReadOnlySpan<float> m, ReadOnlySpan<float> offset, float scale, float t, int self)
    {
        ref ulong dst = ref MemoryMarshal.GetArrayDataReference(_a);
        int g = m.Length, c = 0, j = 0;
        ref float mr = ref MemoryMarshal.GetReference(m);
        ref float or = ref MemoryMarshal.GetReference(offset);
        bool hasOffset = !offset.IsEmpty;
        if (Vector256.IsHardwareAccelerated)
        {
            var tv = Vector256.Create(t);
            var sv = Vector256.Create(scale);
            for (; j <= g - 8; j += 8)
            {
                var u = Vector256.LoadUnsafe(ref mr, (nuint)j) * sv;
                if (hasOffset) u = Vector256.LoadUnsafe(ref or, (nuint)j) + u;
                uint mask = Vector256.LessThanOrEqual(u, tv).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    int col = j + BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                    float uj = hasOffset ? Unsafe.Add(ref or, col) + scale * Unsafe.Add(ref mr, col) : scale * Unsafe.Add(ref mr, col);
                    Unsafe.Add(ref dst, c) = PackedKeys.Pack(uj, col);
                    c += col != self ? 1 : 0;
                }
            }
        }
        for (; j < g; j++)
        {
            float u = Key(m, offset, scale, j);
            if (u <= t && j != self) _a[c++] = PackedKeys.Pack(u, j);
        }
        return c;
    }
}
