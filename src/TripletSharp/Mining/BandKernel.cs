using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>
/// CPU implementation of <see cref="BandMath"/>: the same per-anchor algorithm (sorted positives, two binary searches
/// per anchor–negative pair, a difference array for the per-positive counts), written as one pass over each row so
/// the B×B matrices are read once and no B×B temporaries are created. libtorch's searchsorted/sort are several times
/// slower than a matrix multiply on CPU, which this avoids.
/// </summary>
internal static class BandKernel
{
    /// <summary>
    /// Evaluates a band on the raw matrix <paramref name="m"/> (negated on the fly when <paramref name="negate"/>, giving the
    /// distance-like E). See <see cref="BandMath.Evaluate"/>; <paramref name="grad"/> (if any) is fully overwritten.
    /// </summary>
    public static BandTotals Evaluate(Tensor m, bool negate, PairTable t, NegativeBand band, double? margin, Tensor? grad) =>
        m.dtype == ScalarType.Float32
            ? Run<float>(m, negate, t, band, margin, grad)
            : Run<double>(m, negate, t, band, margin, grad);

    private static BandTotals Run<T>(Tensor m, bool negate, PairTable t, NegativeBand band, double? margin, Tensor? grad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int b = t.Batch, width = t.Width;
        var (activeHigh, activeInclusive) = margin is double mg ? BandMath.Cap(band.High, band.HighInclusive, mg) : (band.High, band.HighInclusive);
        var p = new Params<T>(band, activeHigh, activeInclusive);
        long rowsPerBlock = Math.Max(1, Math.Min(HostTensor.RowsPerSpan(b, System.Runtime.CompilerServices.Unsafe.SizeOf<T>()), (b + 4L * HostTensor.Threads - 1) / (4L * HostTensor.Threads)));
        int blocks = (int)((b + rowsPerBlock - 1) / rowsPerBlock);
        var mViews = new Tensor[blocks];
        var gViews = new Tensor?[blocks];
        for (int i = 0; i < blocks; i++)
        {
            long r0 = i * rowsPerBlock, c = Math.Min(rowsPerBlock, b - r0);
            mViews[i] = m.narrow(0, r0, c);
            gViews[i] = grad?.narrow(0, r0, c);
        }
        long count = 0, active = 0, anchors = 0;
        double sumAp = 0, sumAn = 0;
        var gate = new object();
        try
        {
            Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = HostTensor.Threads },
                () => new Scratch<T>(width),
                (block, _, s) =>
                {
                    long r0 = block * rowsPerBlock;
                    var mRows = HostTensor.Span<T>(mViews[block]);
                    var gRows = gViews[block] is Tensor gv ? HostTensor.Span<T>(gv) : default;
                    int rows = mRows.Length / b;
                    for (int r = 0; r < rows; r++)
                        Row((int)(r0 + r), mRows.Slice(r * b, b), gRows.IsEmpty ? default : gRows.Slice(r * b, b), negate, t, p, s);
                    return s;
                },
                s =>
                {
                    lock (gate)
                    {
                        count += s.Count; active += s.Active; anchors += s.Anchors; sumAp += s.SumAp; sumAn += s.SumAn;
                    }
                });
        }
        finally
        {
            foreach (var v in mViews) v.Dispose();
            foreach (var v in gViews) v?.Dispose();
        }
        return new BandTotals(count, active, anchors, sumAp, sumAn);
    }

    private static void Row<T>(int a, Span<T> row, Span<T> g, bool negate, PairTable t, in Params<T> p, Scratch<T> s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int b = row.Length, width = t.Width;
        var labels = t.HostLabels;
        long la = labels[a];
        int npos = (int)t.PositiveCounts[a];
        if (npos == 0 || t.NegativeCounts[a] == 0)
        {
            if (!g.IsEmpty) g.Clear();
            return;
        }
        var pos = s.Positives;
        var slot = s.Slots;
        long rowBase = (long)a * width;
        for (int k = 0; k < npos; k++)
        {
            int j = (int)t.HostPosIdx[rowBase + k];
            pos[k] = negate ? -row[j] : row[j];
            slot[k] = j;
        }
        Array.Sort(pos, slot, 0, npos);
        var diff = s.Diff;
        Array.Clear(diff, 0, npos + 1);
        long rowCount = 0, rowActive = 0;
        double rowSumAn = 0;
        for (int n = 0; n < b; n++)
        {
            if (labels[n] == la)
            {
                if (!g.IsEmpty) g[n] = T.Zero;
                continue;
            }
            T e = negate ? -row[n] : row[n];
            int upper = p.LowInfinite ? npos : p.LowInclusive ? CountLessOrEqual(pos, npos, e - p.Low) : CountLess(pos, npos, e - p.Low);
            int lower = p.HighInfinite ? 0 : p.HighInclusive ? CountLess(pos, npos, e - p.High) : CountLessOrEqual(pos, npos, e - p.High);
            int c = Math.Max(0, upper - lower);
            rowCount += c;
            int lowerActive = lower, ca = c;
            if (p.Separate)
            {
                lowerActive = p.ActiveInfinite ? 0 : p.ActiveInclusive ? CountLess(pos, npos, e - p.ActiveHigh) : CountLessOrEqual(pos, npos, e - p.ActiveHigh);
                ca = Math.Max(0, upper - lowerActive);
            }
            if (ca > 0)
            {
                rowActive += ca;
                rowSumAn += ca * double.CreateTruncating(e);
                diff[lowerActive]++;
                diff[lowerActive + ca]--;
            }
            if (!g.IsEmpty) g[n] = T.CreateTruncating(-ca);
        }
        int run = 0;
        double rowSumAp = 0;
        for (int k = 0; k < npos; k++)
        {
            run += diff[k];
            if (run != 0) rowSumAp += run * double.CreateTruncating(pos[k]);
            if (!g.IsEmpty) g[slot[k]] = T.CreateTruncating(run);
        }
        s.Count += rowCount;
        s.Active += rowActive;
        s.SumAp += rowSumAp;
        s.SumAn += rowSumAn;
        if (rowCount > 0) s.Anchors++;
    }

    /// <summary>Number of the first <paramref name="n"/> sorted values that are &lt; x.</summary>
    internal static int CountLess<T>(T[] sorted, int n, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lo = 0;
        while (n > 0)
        {
            int half = n >> 1;
            if (sorted[lo + half] < x) { lo += half + 1; n -= half + 1; }
            else n = half;
        }
        return lo;
    }

    /// <summary>Number of the first <paramref name="n"/> sorted values that are ≤ x.</summary>
    internal static int CountLessOrEqual<T>(T[] sorted, int n, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lo = 0;
        while (n > 0)
        {
            int half = n >> 1;
            if (sorted[lo + half] <= x) { lo += half + 1; n -= half + 1; }
            else n = half;
        }
        return lo;
    }

    private readonly struct Params<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public Params(NegativeBand band, double activeHigh, bool activeInclusive)
        {
            LowInfinite = double.IsNegativeInfinity(band.Low);
            HighInfinite = double.IsPositiveInfinity(band.High);
            ActiveInfinite = double.IsPositiveInfinity(activeHigh);
            Low = LowInfinite ? T.Zero : T.CreateTruncating(band.Low);
            High = HighInfinite ? T.Zero : T.CreateTruncating(band.High);
            ActiveHigh = ActiveInfinite ? T.Zero : T.CreateTruncating(activeHigh);
            LowInclusive = band.LowInclusive;
            HighInclusive = band.HighInclusive;
            ActiveInclusive = activeInclusive;
            Separate = activeHigh != band.High || activeInclusive != band.HighInclusive;
        }

        public bool LowInfinite { get; }
        public bool HighInfinite { get; }
        public bool ActiveInfinite { get; }
        public T Low { get; }
        public T High { get; }
        public T ActiveHigh { get; }
        public bool LowInclusive { get; }
        public bool HighInclusive { get; }
        public bool ActiveInclusive { get; }
        public bool Separate { get; }
    }

    private sealed class Scratch<T>(int width)
    {
        public T[] Positives { get; } = new T[width];
        public int[] Slots { get; } = new int[width];
        public int[] Diff { get; } = new int[width + 1];
        public long Count;
        public long Active;
        public long Anchors;
        public double SumAp;
        public double SumAn;
    }
}
