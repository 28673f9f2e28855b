using System.Buffers;
using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// CPU implementation of <see cref="BandMath"/>: the same per-anchor algorithm (sorted positives, two binary searches
/// per anchor–negative pair, a difference array for the per-positive counts), written as one pass over each row so
/// the B×B matrices are read once and no B×B temporaries are created. libtorch's searchsorted/sort are several times
/// slower than a matrix multiply on CPU, which this avoids.
/// </summary>
internal static class BandKernel
{
    /// <summary>Row blocks per call: enough to balance many threads, few enough that per-block column sums stay small.</summary>
    private const long MaxBlocks = 256;

    /// <summary>
    /// Evaluates a band on the raw matrix <paramref name="m"/> (negated on the fly when <paramref name="negate"/>, giving the
    /// distance-like E). See <see cref="BandMath.Evaluate"/>; <paramref name="grad"/> (if any) is fully overwritten.
    /// </summary>
    /// <remarks>
    /// The matrix is Rows×Columns of <paramref name="t"/>: B×B for a batch (<see cref="PairTable"/>), A×R for a batch
    /// against itself followed by extra references (<see cref="CrossPairTable"/>, via <see cref="BandMath.EvaluateReferences"/>).
    /// </remarks>
    public static BandTotals Evaluate(Tensor m, bool negate, IBandStructure t, DeltaBand band, double? margin, GradientWeights? grad) =>
        m.dtype == ScalarType.Float32
            ? Run<float>(m, negate, t, band, margin, grad)
            : Run<double>(m, negate, t, band, margin, grad);

    private static BandTotals Run<T>(Tensor m, bool negate, IBandStructure t, DeltaBand band, double? margin, GradientWeights? weights)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var grad = weights?.Weights;
        bool divide = weights?.DivideByValue ?? false;
        double[]? rowSums = weights?.RowSums, colSums = weights?.ColSums;
        int rowCount = t.Rows, b = t.Columns, width = t.Width;
        // Only a batch's own table can be general (a match matrix); memory references always carry class labels.
        var general = t is PairTable { IsGeneral: true } pt ? pt : null;
        var (activeHigh, activeInclusive) = margin is double mg ? BandMath.Cap(band.High, band.HighInclusive, mg) : (band.High, band.HighInclusive);
        var p = new Params<T>(band, activeHigh, activeInclusive);
        // A fixed split (not one per thread count): block totals are added in block order, so the result is
        // bit-identical whatever the number of threads and whichever thread runs which block.
        long rowsPerBlock = RowBlocks.Size(rowCount, b, System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), MaxBlocks);
        using var mBlocks = new RowBlocks(m, rowsPerBlock);
        using var gBlocks = grad is null ? null : new RowBlocks(grad, rowsPerBlock);
        int blocks = mBlocks.Count;
        // Each block's totals and column sums are kept apart and added in block order afterwards.
        var totals = new BlockTotals[blocks];
        T[]? blockCols = colSums is null ? null : ArrayPool<T>.Shared.Rent(blocks * b);
        long count = 0, active = 0, anchors = 0;
        double sumAp = 0, sumAn = 0, bandAp = 0, bandAn = 0;
        try
        {
            if (blockCols is not null) Array.Clear(blockCols, 0, blocks * b);
            Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = HostTensor.Threads },
                () => new Scratch<T>(width),
                (block, _, s) =>
                {
                    s.Reset();
                    long r0 = block * rowsPerBlock;
                    var mRows = HostTensor.Span<T>(mBlocks[block]);
                    var gRows = gBlocks is null ? default : HostTensor.Span<T>(gBlocks[block]);
                    var cols = blockCols is null ? default : blockCols.AsSpan(block * b, b);
                    int rows = mRows.Length / b;
                    for (int r = 0; r < rows; r++)
                    {
                        int a = (int)(r0 + r);
                        var row = mRows.Slice(r * b, b);
                        if (gRows.IsEmpty && p.Everything)
                        {
                            if (general is not null) AllRow(a, row, negate, t, s, NegativeRows.Matches(general, a));
                            else AllRow(a, row, negate, t, s, NegativeRows.Classes(t, a));
                            continue;
                        }
                        var g = gRows.IsEmpty ? default : gRows.Slice(r * b, b);
                        if (general is not null) Row(a, row, g, negate, t, p, s, NegativeRows.Matches(general, a));
                        else Row(a, row, g, negate, t, p, s, NegativeRows.Classes(t, a));
                        if (!g.IsEmpty) Finish(a, row, g, divide, rowSums, cols);
                    }
                    totals[block] = new BlockTotals(s.Count, s.Active, s.Anchors, s.SumAp, s.SumAn, s.BandAp, s.BandAn);
                    return s;
                },
                _ => { });
            for (int i = 0; i < blocks; i++)
            {
                var x = totals[i];
                count += x.Count; active += x.Active; anchors += x.Anchors; sumAp += x.SumAp; sumAn += x.SumAn;
                bandAp += x.BandAp; bandAn += x.BandAn;
                if (blockCols is not null)
                    for (int j = 0; j < b; j++) colSums![j] += double.CreateTruncating(blockCols[i * b + j]);
            }
        }
        finally
        {
            if (blockCols is not null) ArrayPool<T>.Shared.Return(blockCols);
        }
        // In stats mode the band is the selection; with a margin the band sums come from the second difference array.
        return new BandTotals(count, active, anchors, sumAp, sumAn, p.Separate ? (bandAp, bandAn) : (sumAp, sumAn));
    }

    /// <summary>Statistics of every valid triplet of a row, in closed form: npos·nneg triplets, each positive used nneg times.</summary>
    private static void AllRow<T, TNeg>(int a, Span<T> row, bool negate, IBandStructure t, Scratch<T> s, TNeg negatives)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TNeg : struct, INegativeRow
    {
        long npos = t.PositiveCounts[a], nneg = t.NegativeCounts[a];
        if (npos == 0 || nneg == 0) return;
        double pos = 0, neg = 0;
        for (int n = 0; n < row.Length; n++)
        {
            double e = double.CreateTruncating(row[n]);
            if (negatives.Negative(n) != 0) neg += e;
            else if (n != a) pos += e;
        }
        if (negate) { pos = -pos; neg = -neg; }
        s.Count += npos * nneg;
        s.Active += npos * nneg;
        s.Anchors++;
        s.SumAp += nneg * pos;
        s.SumAn += npos * neg;
        s.BandAp += nneg * pos;
        s.BandAn += npos * neg;
    }

    /// <summary>Turns a row of dL/dE into the weights the closed-form gradient needs, and accumulates their sums (vectorised).</summary>
    private static void Finish<T>(int a, Span<T> row, Span<T> g, bool divide, double[]? rowSums, Span<T> colSums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool cols = colSums.Length > 0;
        var sum = Vector<T>.Zero;
        int n = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var gv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(g);
            var mv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(row);
            var cv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(colSums);
            for (int k = 0; k < gv.Length; k++)
            {
                var v = gv[k];
                if (divide)
                {
                    var m = mv[k];
                    v = Vector.ConditionalSelect(Vector.Equals(m, Vector<T>.Zero), Vector<T>.Zero, v / m);
                    gv[k] = v;
                }
                sum += v;
                if (cols) cv[k] += v;
            }
            n = gv.Length * Vector<T>.Count;
        }
        T tail = Vector.Sum(sum);
        for (; n < g.Length; n++)
        {
            T v = g[n];
            if (divide)
            {
                T m = row[n];
                v = m == T.Zero ? T.Zero : v / m;
                g[n] = v;
            }
            tail += v;
            if (cols) colSums[n] += v;
        }
        if (rowSums is not null) rowSums[a] = double.CreateTruncating(tail);
    }

    private static void Row<T, TNeg>(int a, Span<T> row, Span<T> g, bool negate, IBandStructure t, in Params<T> p, Scratch<T> s, TNeg negatives)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TNeg : struct, INegativeRow
    {
        int b = row.Length, width = t.Width;
        int npos = (int)t.PositiveCounts[a];
        if (npos == 0 || t.NegativeCounts[a] == 0)
        {
            if (!g.IsEmpty) g.Clear();
            return;
        }
        var pos = s.Positives;
        var slot = s.Slots;
        long rowBase = (long)a * width;
        var posIdx = t.HostPosIdx;
        for (int k = 0; k < npos; k++)
        {
            int j = (int)posIdx[rowBase + k];
            pos[k] = negate ? -row[j] : row[j];
            slot[k] = j;
        }
        Array.Sort(pos, slot, 0, npos);
        var sorted = new SortedPositives<T>(pos, npos, s.Coarse, s.Table);
        // Four interleaved difference arrays: consecutive negatives often hit the same slot, and one array would
        // serialise on that memory location.
        var diff = s.Diff;
        int stride = npos + 1;
        Array.Clear(diff, 0, (p.Separate ? 8 : 4) * stride);
        long rowCount = 0, rowActive = 0;
        double rowSumAn = 0, rowBandAn = 0;
        bool writeGrad = !g.IsEmpty;
        bool lowInfinite = p.LowInfinite, highInfinite = p.HighInfinite, separate = p.Separate, activeInfinite = p.ActiveInfinite;
        bool lowInclusive = p.LowInclusive, lowerOrEqual = !p.HighInclusive, activeOrEqual = !p.ActiveInclusive;
        T low = p.Low, high = p.High, activeHigh = p.ActiveHigh;
        // Branch-free over the row: same-class columns get counts multiplied by 0, and a zero count adds and removes
        // the same difference-array slot.
        for (int n = 0; n < b; n++)
        {
            int negative = negatives.Negative(n);
            T e = negate ? -row[n] : row[n];
            int upper = lowInfinite ? npos : sorted.Count(e - low, lowInclusive);
            int lower = highInfinite ? 0 : sorted.Count(e - high, lowerOrEqual);
            int c = Math.Max(0, upper - lower) * negative;
            rowCount += c;
            int lowerActive = lower, ca = c;
            if (separate)
            {
                lowerActive = activeInfinite ? 0 : sorted.Count(e - activeHigh, activeOrEqual);
                ca = Math.Max(0, upper - lowerActive) * negative;
                // Band (not only active) ranges, for the miner statistics.
                rowBandAn += c * double.CreateTruncating(e);
                int bandLane = 4 * stride + (n & 3) * stride + lower;
                diff[bandLane]++;
                diff[bandLane + c]--;
            }
            rowActive += ca;
            rowSumAn += ca * double.CreateTruncating(e);
            int lane = (n & 3) * stride + lowerActive;
            diff[lane]++;
            diff[lane + ca]--;
            if (writeGrad) g[n] = T.CreateTruncating(-ca);
        }
        int run = 0, bandRun = 0;
        double rowSumAp = 0, rowBandAp = 0;
        for (int k = 0; k < npos; k++)
        {
            run += diff[k] + diff[stride + k] + diff[2 * stride + k] + diff[3 * stride + k];
            if (run != 0) rowSumAp += run * double.CreateTruncating(pos[k]);
            if (p.Separate)
            {
                bandRun += diff[4 * stride + k] + diff[5 * stride + k] + diff[6 * stride + k] + diff[7 * stride + k];
                rowBandAp += bandRun * double.CreateTruncating(pos[k]);
            }
            if (writeGrad) g[slot[k]] = T.CreateTruncating(run);
        }
        s.Count += rowCount;
        s.Active += rowActive;
        s.SumAp += rowSumAp;
        s.SumAn += rowSumAn;
        s.BandAp += rowBandAp;
        s.BandAn += rowBandAn;
        if (rowCount > 0) s.Anchors++;
    }

    private readonly struct Params<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public Params(DeltaBand band, double activeHigh, bool activeInclusive)
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

    private sealed class Scratch<T>(int width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T[] Positives { get; } = new T[SortedPositives<T>.BufferLength(width)];
        public int[] Table { get; } = new int[SortedPositives<T>.Buckets(width) + 1];
        public T[] Coarse { get; } = new T[SortedPositives<T>.CoarseLength(width)];
        public int[] Slots { get; } = new int[width];
        public int[] Diff { get; } = new int[8 * (width + 1)];
        public long Count;
        public long Active;
        public long Anchors;
        public double SumAp;
        public double SumAn;
        public double BandAp;
        public double BandAn;

        /// <summary>Clears the totals (not the work buffers) before a block.</summary>
        public void Reset()
        {
            Count = Active = Anchors = 0;
            SumAp = SumAn = BandAp = BandAn = 0;
        }
    }

    private readonly record struct BlockTotals(long Count, long Active, long Anchors, double SumAp, double SumAn, double BandAp, double BandAn);
}
