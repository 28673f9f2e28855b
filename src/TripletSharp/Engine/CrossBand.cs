using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// The band algorithm of <see cref="BandMath"/> on an A×R anchor–reference matrix (cross-batch memory): per anchor the
/// positive distances are sorted once and two <c>searchsorted</c> calls per anchor–reference pair give the range of
/// positives forming a selected triplet with that negative. O(A·R log K) time, O(chunk·R) temporaries, O(A·R) in all:
/// nothing of size A·R² is formed. On CPU a plain loop per anchor does it (libtorch's sort/searchsorted cost tens of
/// milliseconds for A = 16, R = 2,064; the loop well under one); elsewhere torch ops, with the same arithmetic in the
/// matrix's precision, so both give the same selection.
/// </summary>
internal static class CrossBand
{
    private const long ChunkElements = 1L << 22;

    /// <summary>
    /// Evaluates a band on the distance-like A×R matrix <paramref name="e"/>. With <paramref name="margin"/> the loss
    /// quantities are restricted to the active triplets (Δ &lt; margin) and <paramref name="grad"/> (A×R, zeroed by the
    /// caller) receives d(Σ hinge)/dE.
    /// </summary>
    public static BandTotals Evaluate(Tensor e, CrossPairTable t, DeltaBand band, double? margin, Tensor? grad)
    {
        using var noGrad = torch.no_grad();
        if (!t.HasTriplets) return new BandTotals(0, 0, 0, 0, 0);
        if (!EngineSwitches.TorchOnly && HostTensor.IsKernelReady(e) && (grad is null || HostTensor.IsKernelReady(grad)))
            return e.dtype == ScalarType.Float32 ? Host<float>(e, t, band, margin, grad) : Host<double>(e, t, band, margin, grad);
        int a = t.Anchors, r = t.References, k = t.K;
        var (activeHigh, activeHighInclusive) = margin is double m ? BandMath.Cap(band.High, band.HighInclusive, m) : (band.High, band.HighInclusive);
        bool separateActive = activeHigh != band.High || activeHighInclusive != band.HighInclusive;
        long rowsPerChunk = Math.Max(1, ChunkElements / Math.Max(r, k + 1));
        long count = 0, active = 0, anchors = 0;
        double sumAp = 0, sumAn = 0, bandAp = 0, bandAn = 0;
        for (long r0 = 0; r0 < a; r0 += rowsPerChunk)
        {
            using var scope = torch.NewDisposeScope();
            long c = Math.Min(rowsPerChunk, a - r0);
            var rows = e.narrow(0, r0, c);
            var posIdx = t.PosIdx.narrow(0, r0, c);
            var posValid = t.PosValid.narrow(0, r0, c);
            var npos = t.PosCount.narrow(0, r0, c).unsqueeze(1);
            var neg = t.NegativeMask(r0, c);
            var ep = rows.gather(1, posIdx).masked_fill(posValid.logical_not(), Scalars.PositiveInfinity);
            var (sorted, perm) = ep.sort(1);
            var finiteSorted = sorted.masked_fill(sorted.isinf(), Scalars.Zero);

            var upper = double.IsNegativeInfinity(band.Low)
                ? npos.expand(c, r)
                : torch.searchsorted(sorted, band.Low == 0 ? rows : rows.sub(Scalars.Of(band.Low)), right: band.LowInclusive);
            var lower = Lower(sorted, rows, band.High, band.HighInclusive, c, r);
            var bandCount = (upper - lower).clamp_min(Scalars.I0).mul_(neg);
            var perAnchor = bandCount.sum(1);
            count += perAnchor.sum().item<long>();
            anchors += perAnchor.gt(Scalars.I0).sum().item<long>();
            var weights = neg.to(e.dtype);
            if (separateActive)
            {
                // Band (not only active) sums, for the miner's statistics.
                bandAn += (bandCount.to(e.dtype) * rows).sum(type: ScalarType.Float64).item<double>();
                bandAp += (PerPositive(lower, torch.maximum(upper, lower), weights, c, k, e) * finiteSorted).sum(type: ScalarType.Float64).item<double>();
            }

            var lowerActive = separateActive ? Lower(sorted, rows, activeHigh, activeHighInclusive, c, r) : lower;
            var activeCount = separateActive ? (upper - lowerActive).clamp_min(Scalars.I0).mul_(neg) : bandCount;
            active += activeCount.sum().item<long>();
            var perPositive = PerPositive(lowerActive, torch.maximum(upper, lowerActive), weights, c, k, e);
            sumAp += (perPositive * finiteSorted).sum(type: ScalarType.Float64).item<double>();
            var activeF = activeCount.to(e.dtype);
            sumAn += (activeF * rows).sum(type: ScalarType.Float64).item<double>();

            if (grad is not null)
            {
                var gRows = grad.narrow(0, r0, c);
                gRows.sub_(activeF);
                var unsorted = zeros_like(perPositive).scatter_(1, perm, perPositive);
                gRows.scatter_add_(1, posIdx, unsorted);
            }
        }
        return new BandTotals(count, active, anchors, sumAp, sumAn, separateActive ? (bandAp, bandAn) : (sumAp, sumAn));
    }

    private static BandTotals Host<T>(Tensor e, CrossPairTable t, DeltaBand band, double? margin, Tensor? grad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int r = t.References, width = Math.Max(t.K, 1);
        var (activeHigh, activeInclusive) = margin is double m ? BandMath.Cap(band.High, band.HighInclusive, m) : (band.High, band.HighInclusive);
        bool separate = activeHigh != band.High || activeInclusive != band.HighInclusive;
        bool lowInf = double.IsNegativeInfinity(band.Low), highInf = double.IsPositiveInfinity(band.High), activeInf = double.IsPositiveInfinity(activeHigh);
        T low = lowInf ? T.Zero : T.CreateTruncating(band.Low), high = highInf ? T.Zero : T.CreateTruncating(band.High), aHigh = activeInf ? T.Zero : T.CreateTruncating(activeHigh);
        var values = HostTensor.Span<T>(e);
        var g = grad is null ? default : HostTensor.Span<T>(grad);
        var posIdx = t.PosIdx.cpu().contiguous().data<long>().ToArray();
        var anchorLabels = t.AnchorLabels.cpu().data<long>().ToArray();
        var refLabels = t.ReferenceLabels.cpu().data<long>().ToArray();
        var pos = new T[width];
        var slot = new int[width];
        var diff = new long[width + 1];
        var bandDiff = new long[width + 1];
        long count = 0, active = 0, anchors = 0;
        double sumAp = 0, sumAn = 0, bandAp = 0, bandAn = 0;
        for (int a = 0; a < t.Anchors; a++)
        {
            int npos = (int)t.PositiveCounts[a];
            if (npos == 0 || t.NegativeCounts[a] == 0) continue;
            var row = values.Slice(a * r, r);
            var gRow = g.IsEmpty ? default : g.Slice(a * r, r);
            for (int k = 0; k < npos; k++)
            {
                slot[k] = (int)posIdx[(long)a * width + k];
                pos[k] = row[slot[k]];
            }
            Array.Sort(pos, slot, 0, npos);
            Array.Clear(diff, 0, npos + 1);
            Array.Clear(bandDiff, 0, npos + 1);
            long rowCount = 0;
            for (int n = 0; n < r; n++)
            {
                if (refLabels[n] == anchorLabels[a]) continue;
                T v = row[n];
                int upper = lowInf ? npos : Count(pos, npos, v - low, band.LowInclusive);
                int lower = highInf ? 0 : Count(pos, npos, v - high, !band.HighInclusive);
                int c = Math.Max(0, upper - lower);
                rowCount += c;
                int lowerActive = separate ? (activeInf ? 0 : Count(pos, npos, v - aHigh, !activeInclusive)) : lower;
                int ca = Math.Max(0, upper - lowerActive);
                double dv = double.CreateTruncating(v);
                active += ca;
                sumAn += ca * dv;
                if (ca > 0) { diff[lowerActive]++; diff[lowerActive + ca]--; }
                if (separate && c > 0) { bandAn += c * dv; bandDiff[lower]++; bandDiff[lower + c]--; }
                if (!gRow.IsEmpty) gRow[n] -= T.CreateTruncating(ca);
            }
            long run = 0, bandRun = 0;
            for (int k = 0; k < npos; k++)
            {
                run += diff[k];
                bandRun += bandDiff[k];
                double pv = double.CreateTruncating(pos[k]);
                sumAp += run * pv;
                bandAp += bandRun * pv;
                if (!gRow.IsEmpty) gRow[slot[k]] += T.CreateTruncating(run);
            }
            count += rowCount;
            if (rowCount > 0) anchors++;
        }
        return new BandTotals(count, active, anchors, sumAp, sumAn, separate ? (bandAp, bandAn) : (sumAp, sumAn));
    }

    /// <summary>Number of sorted values &lt; <paramref name="bound"/> (≤ when <paramref name="orEqual"/>): searchsorted's left/right.</summary>
    private static int Count<T>(T[] sorted, int n, T bound, bool orEqual) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lo = 0, hi = n;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (orEqual ? sorted[mid] <= bound : sorted[mid] < bound) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>How many negatives select each sorted positive: a histogram of range starts minus range ends, cumulated.</summary>
    private static Tensor PerPositive(Tensor lower, Tensor upper, Tensor weights, long c, int k, Tensor e)
    {
        var hist = zeros(c, k + 1, dtype: e.dtype, device: e.device)
            .scatter_add_(1, lower, weights)
            .scatter_add_(1, upper, weights.neg());
        return hist.cumsum(1).narrow(1, 0, Math.Max(k, 1));
    }

    private static Tensor Lower(Tensor sorted, Tensor rows, double high, bool inclusive, long c, long r) =>
        double.IsPositiveInfinity(high)
            ? zeros(c, r, dtype: ScalarType.Int64, device: rows.device)
            : torch.searchsorted(sorted, high == 0 ? rows : rows.sub(Scalars.Of(high)), right: !inclusive);
}
