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
    public static BandTotals Evaluate(Tensor m, bool negate, PairTable t, NegativeBand band, double? margin, GradientWeights? grad) =>
        m.dtype == ScalarType.Float32
            ? Run<float>(m, negate, t, band, margin, grad)
            : Run<double>(m, negate, t, band, margin, grad);

    private static BandTotals Run<T>(Tensor m, bool negate, PairTable t, NegativeBand band, double? margin, GradientWeights? weights)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var grad = weights?.Weights;
        bool divide = weights?.DivideByValue ?? false;
        double[]? rowSums = weights?.RowSums, colSums = weights?.ColSums;
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
                () => new Scratch<T>(width, colSums is null ? 0 : b),
                (block, _, s) =>
                {
                    long r0 = block * rowsPerBlock;
                    var mRows = HostTensor.Span<T>(mViews[block]);
                    var gRows = gViews[block] is Tensor gv ? HostTensor.Span<T>(gv) : default;
                    int rows = mRows.Length / b;
                    for (int r = 0; r < rows; r++)
                    {
                        int a = (int)(r0 + r);
                        var row = mRows.Slice(r * b, b);
                        if (gRows.IsEmpty && p.Everything)
                        {
                            AllRow(a, row, negate, t, s);
                            continue;
                        }
                        var g = gRows.IsEmpty ? default : gRows.Slice(r * b, b);
                        Row(a, row, g, negate, t, p, s);
                        if (!g.IsEmpty) Finish(a, row, g, divide, rowSums, s.ColSums);
                    }
                    return s;
                },
                s =>
                {
                    lock (gate)
                    {
                        count += s.Count; active += s.Active; anchors += s.Anchors; sumAp += s.SumAp; sumAn += s.SumAn;
                        if (colSums is not null)
                            for (int j = 0; j < b; j++) colSums[j] += s.ColSums[j];
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

    /// <summary>Statistics of every valid triplet of a row, in closed form: npos·nneg triplets, each positive used nneg times.</summary>
    private static void AllRow<T>(int a, Span<T> row, bool negate, PairTable t, Scratch<T> s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long npos = t.PositiveCounts[a], nneg = t.NegativeCounts[a];
        if (npos == 0 || nneg == 0) return;
        var labels = t.HostLabels;
        long la = labels[a];
        double pos = 0, neg = 0;
        for (int n = 0; n < row.Length; n++)
        {
            double e = double.CreateTruncating(row[n]);
            if (labels[n] != la) neg += e;
            else if (n != a) pos += e;
        }
        if (negate) { pos = -pos; neg = -neg; }
        s.Count += npos * nneg;
        s.Active += npos * nneg;
        s.Anchors++;
        s.SumAp += nneg * pos;
        s.SumAn += npos * neg;
    }

    /// <summary>Turns a row of dL/dE into the weights the closed-form gradient needs, and accumulates their sums.</summary>
    private static void Finish<T>(int a, Span<T> row, Span<T> g, bool divide, double[]? rowSums, double[] colSums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        bool cols = colSums.Length > 0;
        for (int n = 0; n < g.Length; n++)
        {
            T v = g[n];
            if (v == T.Zero) continue;
            if (divide)
            {
                T m = row[n];
                v = m == T.Zero ? T.Zero : v / m;
                g[n] = v;
            }
            double dv = double.CreateTruncating(v);
            sum += dv;
            if (cols) colSums[n] += dv;
        }
        if (rowSums is not null) rowSums[a] = sum;
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
        var sorted = new SortedPositives<T>(pos, npos, s.Coarse, s.Table);
        // Four interleaved difference arrays: consecutive negatives often hit the same slot, and one array would
        // serialise on that memory location.
        var diff = s.Diff;
        int stride = npos + 1;
        Array.Clear(diff, 0, 4 * stride);
        long rowCount = 0, rowActive = 0;
        double rowSumAn = 0;
        bool writeGrad = !g.IsEmpty;
        for (int n = 0; n < b; n++)
        {
            if (labels[n] == la)
            {
                if (writeGrad) g[n] = T.Zero;
                continue;
            }
            T e = negate ? -row[n] : row[n];
            int upper = p.LowInfinite ? npos : sorted.Count(e - p.Low, p.LowInclusive);
            int lower = p.HighInfinite ? 0 : sorted.Count(e - p.High, !p.HighInclusive);
            int c = upper - lower;
            if (c < 0) c = 0;
            rowCount += c;
            int lowerActive = lower, ca = c;
            if (p.Separate)
            {
                lowerActive = p.ActiveInfinite ? 0 : sorted.Count(e - p.ActiveHigh, !p.ActiveInclusive);
                ca = upper - lowerActive;
                if (ca < 0) ca = 0;
            }
            if (ca > 0)
            {
                rowActive += ca;
                rowSumAn += ca * double.CreateTruncating(e);
                int lane = (n & 3) * stride;
                diff[lane + lowerActive]++;
                diff[lane + lowerActive + ca]--;
            }
            if (writeGrad) g[n] = T.CreateTruncating(-ca);
        }
        int run = 0;
        double rowSumAp = 0;
        for (int k = 0; k < npos; k++)
        {
            run += diff[k] + diff[stride + k] + diff[2 * stride + k] + diff[3 * stride + k];
            if (run != 0) rowSumAp += run * double.CreateTruncating(pos[k]);
            if (writeGrad) g[slot[k]] = T.CreateTruncating(run);
        }
        s.Count += rowCount;
        s.Active += rowActive;
        s.SumAp += rowSumAp;
        s.SumAn += rowSumAn;
        if (rowCount > 0) s.Anchors++;
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
            Everything = LowInfinite && HighInfinite && !Separate;
        }

        /// <summary>Every valid triplet, no margin restriction: statistics have a closed form.</summary>
        public bool Everything { get; }

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

    private sealed class Scratch<T>(int width, int columns) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public double[] ColSums { get; } = new double[columns];
        public T[] Positives { get; } = new T[SortedPositives<T>.BufferLength(width)];
        public int[] Table { get; } = new int[SortedPositives<T>.Buckets(width) + 1];
        public T[] Coarse { get; } = new T[SortedPositives<T>.CoarseLength(width)];
        public int[] Slots { get; } = new int[width];
        public int[] Diff { get; } = new int[4 * (width + 1)];
        public long Count;
        public long Active;
        public long Anchors;
        public double SumAp;
        public double SumAn;
    }
}
