using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;
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
        var shape = p.Shape;
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
                () => new Scratch<T>(width, b),
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
                        if (general is not null) Dispatch(shape, a, row, g, negate, t, p, s, NegativeRows.Matches(general, a));
                        else Dispatch(shape, a, row, g, negate, t, p, s, NegativeRows.Classes(t, a));
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
                if (blockCols is not null) AddWidened(colSums!, blockCols.AsSpan(i * b, b));
            }
        }
        finally
        {
            if (blockCols is not null) ArrayPool<T>.Shared.Return(blockCols);
        }
        // In stats mode the band is the selection; with a margin the band sums come from the second difference array.
        return new BandTotals(count, active, anchors, sumAp, sumAn, p.Separate ? (bandAp, bandAn) : (sumAp, sumAn));
    }

    /// <summary>sums[j] += (double)values[j] for every j, four lanes at a time (each element's own sum, so the order is unchanged).</summary>
    private static void AddWidened<T>(double[] sums, ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var dst = sums.AsSpan();
            for (; j + 4 <= values.Length; j += 4)
            {
                (Vector256.Create(dst.Slice(j, 4)) + HostTensor.Widen4(values.Slice(j, 4))).CopyTo(dst.Slice(j, 4));
            }
        }
        for (; j < values.Length; j++) sums[j] += double.CreateTruncating(values[j]);
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

    /// <summary>Runs the row loop specialised for the band's shape (the general loop for any other band).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Dispatch<T, TNeg>(BandShape shape, int a, Span<T> row, Span<T> g, bool negate, IBandStructure t, in Params<T> p, Scratch<T> s, TNeg negatives)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TNeg : struct, INegativeRow
    {
        switch (shape)
        {
            case BandShape.AllBelowCap: RowBelow(a, row, g, negate, t, p, s, negatives, all: true); break;
            case BandShape.Below: RowBelow(a, row, g, negate, t, p, s, negatives, all: false); break;
            case BandShape.Between: RowBetween(a, row, g, negate, t, p, s, negatives); break;
            default: Row(a, row, g, negate, t, p, s, negatives); break;
        }
    }

    /// <summary>
    /// Gathers and sorts the anchor's positive values into the scratch (with their columns in <c>Slots</c>); returns
    /// their number, or 0 (with <paramref name="g"/> cleared) when the anchor has no positive or no negative.
    /// </summary>
    private static int SortPositives<T>(int a, Span<T> row, Span<T> g, bool negate, IBandStructure t, Scratch<T> s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int npos = (int)t.PositiveCounts[a];
        if (npos == 0 || t.NegativeCounts[a] == 0)
        {
            if (!g.IsEmpty) g.Clear();
            return 0;
        }
        PositiveSort.Sort(row, t.HostPosIdx, (long)a * t.Width, npos, negate, s.Positives, s.Slots, s.Keys, toColumns: true);
        return npos;
    }

    /// <summary>
    /// Bands whose every negative's range of positives is [l, npos), l from one rank query per pair: Δ below a finite
    /// bound (hard negatives, <paramref name="all"/> false), or every triplet with the active part below a finite cap
    /// (batch-all with a margin, <paramref name="all"/> true; the band's statistics are then closed-form: npos·nneg
    /// triplets, each positive used nneg times). Unrolled by two with separate accumulators (no serial floating-point
    /// chain) and four difference-array lanes; only a range's start enters the array (k &lt; npos never reaches its end).
    /// </summary>
    private static void RowBelow<T, TNeg>(int a, Span<T> row, Span<T> g, bool negate, IBandStructure t, in Params<T> p, Scratch<T> s, TNeg negatives, bool all)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TNeg : struct, INegativeRow
    {
        int npos = SortPositives(a, row, g, negate, t, s);
        if (npos == 0) return;
        int b = row.Length, stride = npos + 1;
        var pos = s.Positives;
        var sorted = new SortedPositives<T>(pos, npos, s.Coarse, s.Table);
        var diff = s.Diff;
        Array.Clear(diff, 0, 4 * stride);
        bool writeGrad = !g.IsEmpty, orEqual = all ? !p.ActiveInclusive : !p.HighInclusive;
        T bound = all ? p.ActiveHigh : p.High;
        var bucket = s.First;
        sorted.BucketsOf(row, negate, bound, bucket);
        long count0 = 0, count1 = 0;
        double an0 = 0, an1 = 0, neg0 = 0, neg1 = 0;
        int n = 0;
        for (; n + 1 < b; n += 2)
        {
            int q0 = negatives.Negative(n), q1 = negatives.Negative(n + 1);
            T e0 = negate ? -row[n] : row[n], e1 = negate ? -row[n + 1] : row[n + 1];
            int l0 = sorted.CountIn(bucket[n], e0 - bound, orEqual), l1 = sorted.CountIn(bucket[n + 1], e1 - bound, orEqual);
            int c0 = (npos - l0) * q0, c1 = (npos - l1) * q1;
            count0 += c0;
            count1 += c1;
            double d0 = double.CreateTruncating(e0), d1 = double.CreateTruncating(e1);
            an0 += c0 * d0;
            an1 += c1 * d1;
            neg0 += q0 * d0;
            neg1 += q1 * d1;
            int lane = (n & 2) * stride;
            diff[lane + l0] += q0;
            diff[lane + stride + l1] += q1;
            if (writeGrad)
            {
                g[n] = T.CreateTruncating(-c0);
                g[n + 1] = T.CreateTruncating(-c1);
            }
        }
        for (; n < b; n++)
        {
            int q = negatives.Negative(n);
            T e = negate ? -row[n] : row[n];
            int l = sorted.CountIn(bucket[n], e - bound, orEqual);
            int c = (npos - l) * q;
            count0 += c;
            double d = double.CreateTruncating(e);
            an0 += c * d;
            neg0 += q * d;
            diff[l] += q;
            if (writeGrad) g[n] = T.CreateTruncating(-c);
        }
        var (sumAp, posSum) = Positives(npos, pos, s.Slots, diff, stride, g);
        long active = count0 + count1, nneg = t.NegativeCounts[a];
        s.Count += all ? npos * nneg : active;
        s.Active += active;
        s.SumAp += sumAp;
        s.SumAn += an0 + an1;
        if (all)
        {
            s.BandAp += nneg * posSum;
            s.BandAn += npos * (neg0 + neg1);
        }
        if (all || active > 0) s.Anchors++;
    }

    /// <summary>
    /// A band between two finite bounds whose active part ends at the same value with the other inclusivity
    /// (semi-hard with margin = band's upper end): both lower ends come from one bucket lookup, the upper end from a second.
    /// </summary>
    private static void RowBetween<T, TNeg>(int a, Span<T> row, Span<T> g, bool negate, IBandStructure t, in Params<T> p, Scratch<T> s, TNeg negatives)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TNeg : struct, INegativeRow
    {
        int npos = SortPositives(a, row, g, negate, t, s);
        if (npos == 0) return;
        int b = row.Length, stride = npos + 1;
        var pos = s.Positives;
        var sorted = new SortedPositives<T>(pos, npos, s.Coarse, s.Table);
        var diff = s.Diff;
        Array.Clear(diff, 0, 4 * stride);
        var band = s.BandDiff;
        Array.Clear(band, 0, 2 * stride);
        bool writeGrad = !g.IsEmpty, lowInclusive = p.LowInclusive, bandStrict = p.HighInclusive;
        T low = p.Low, high = p.High;
        // Both queries' buckets in a vectorised pass first; the loop then only looks them up.
        var upperBucket = s.First;
        var lowerBucket = s.Second;
        sorted.BucketsOf(row, negate, low, upperBucket);
        sorted.BucketsOf(row, negate, high, lowerBucket);
        long rowCount = 0, rowActive = 0;
        double an0 = 0, an1 = 0, bandAn0 = 0, bandAn1 = 0;
        int n = 0;
        for (; n + 1 < b; n += 2)
        {
            BetweenPair(n, row, g, negate, writeGrad, lowInclusive, bandStrict, low, high, sorted, negatives, upperBucket, lowerBucket, band, diff, stride, ref rowCount, ref rowActive, ref an0, ref bandAn0);
            BetweenPair(n + 1, row, g, negate, writeGrad, lowInclusive, bandStrict, low, high, sorted, negatives, upperBucket, lowerBucket, band, diff, stride, ref rowCount, ref rowActive, ref an1, ref bandAn1);
        }
        if (n < b)
            BetweenPair(n, row, g, negate, writeGrad, lowInclusive, bandStrict, low, high, sorted, negatives, upperBucket, lowerBucket, band, diff, stride, ref rowCount, ref rowActive, ref an0, ref bandAn0);
        var (sumAp, _) = Positives(npos, pos, s.Slots, diff, stride, g);
        int bandRun = 0;
        double bandAp = 0;
        for (int k = 0; k < npos; k++)
        {
            bandRun += band[k] + band[stride + k];
            bandAp += bandRun * double.CreateTruncating(pos[k]);
        }
        s.Count += rowCount;
        s.Active += rowActive;
        s.SumAp += sumAp;
        s.SumAn += an0 + an1;
        s.BandAp += bandAp;
        s.BandAn += bandAn0 + bandAn1;
        if (rowCount > 0) s.Anchors++;
    }

    /// <summary>One column of <see cref="RowBetween"/>: its two rank queries, counts, sums and difference-array entries.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void BetweenPair<T, TNeg>(int n, Span<T> row, Span<T> g, bool negate, bool writeGrad, bool lowInclusive, bool bandStrict, T low, T high,
        in SortedPositives<T> sorted, TNeg negatives, int[] upperBucket, int[] lowerBucket, int[] band, int[] diff, int stride,
        ref long rowCount, ref long rowActive, ref double an, ref double bandAn)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TNeg : struct, INegativeRow
    {
        int q = negatives.Negative(n);
        T e = negate ? -row[n] : row[n];
        int upper = sorted.CountIn(upperBucket[n], e - low, lowInclusive);
        int lt = sorted.CountBothIn(lowerBucket[n], e - high, out int le);
        // Band: E_ap ⊳ E_an − high is strict when high is inclusive; the active part has the other inclusivity.
        int lower = bandStrict ? lt : le, lowerActive = bandStrict ? le : lt;
        int c = NonNegative(upper - lower) * q;
        int ca = NonNegative(upper - lowerActive) * q;
        rowCount += c;
        rowActive += ca;
        double d = double.CreateTruncating(e);
        an += ca * d;
        bandAn += c * d;
        int bandLane = (n & 1) * stride + lower;
        band[bandLane]++;
        band[bandLane + c]--;
        int lane = (n & 3) * stride + lowerActive;
        diff[lane]++;
        diff[lane + ca]--;
        if (writeGrad) g[n] = T.CreateTruncating(-ca);
    }

    /// <summary>max(v, 0) without a branch (the sign is data: a branch would be mispredicted).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int NonNegative(int v) => v & ~(v >> 31);

    /// <summary>
    /// Cumulates the four difference-array lanes into each sorted positive's count, writes the counts to the positives'
    /// columns of <paramref name="g"/> (if any), and returns Σ count·E_ap and Σ E_ap.
    /// </summary>
    private static (double SumAp, double PosSum) Positives<T>(int npos, T[] pos, int[] slot, int[] diff, int stride, Span<T> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int run = 0;
        double sumAp = 0, posSum = 0;
        bool writeGrad = !g.IsEmpty;
        for (int k = 0; k < npos; k++)
        {
            run += diff[k] + diff[stride + k] + diff[2 * stride + k] + diff[3 * stride + k];
            double v = double.CreateTruncating(pos[k]);
            sumAp += run * v;
            posSum += v;
            if (writeGrad) g[slot[k]] = T.CreateTruncating(run);
        }
        return (sumAp, posSum);
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
        PositiveSort.Sort(row, t.HostPosIdx, (long)a * width, npos, negate, pos, slot, s.Keys, toColumns: true);
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
            Shape = LowInfinite && HighInfinite && Separate && !ActiveInfinite ? BandShape.AllBelowCap
                : LowInfinite && !HighInfinite && !Separate ? BandShape.Below
                : !LowInfinite && !HighInfinite && Separate && !ActiveInfinite && activeHigh == band.High ? BandShape.Between
                : BandShape.General;
        }

        /// <summary>Which specialised row loop evaluates the band.</summary>
        public BandShape Shape { get; }

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
        /// <summary>Per column: the bucket of its first rank query.</summary>
        public int[] First { get; } = new int[columns];

        /// <summary>Per column: the bucket of its second rank query.</summary>
        public int[] Second { get; } = new int[columns];

        public T[] Positives { get; } = new T[SortedPositives<T>.BufferLength(width)];
        public int[] Table { get; } = new int[SortedPositives<T>.Buckets(width) + 1];
        public T[] Coarse { get; } = new T[SortedPositives<T>.CoarseLength(width)];
        public int[] Slots { get; } = new int[width];
        public ulong[] Keys { get; } = new ulong[width];
        public int[] Diff { get; } = new int[8 * (width + 1)];
        public int[] BandDiff { get; } = new int[2 * (width + 1)];
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

    /// <summary>The band shapes with a specialised row loop (<see cref="Dispatch"/>).</summary>
    private enum BandShape
    {
        /// <summary>Any band: the general loop.</summary>
        General,

        /// <summary>Every triplet, active part Δ below a finite cap (batch-all with a margin).</summary>
        AllBelowCap,

        /// <summary>Δ below a finite bound, active part the same (hard negatives).</summary>
        Below,

        /// <summary>Finite bounds, active part ending at the upper bound with the other inclusivity (semi-hard).</summary>
        Between,
    }

    private readonly record struct BlockTotals(long Count, long Active, long Anchors, double SumAp, double SumAn, double BandAp, double BandAn);
}
