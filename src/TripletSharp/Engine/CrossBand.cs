using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// The band algorithm of <see cref="BandMath"/> on an A×R anchor–reference matrix (cross-batch memory): per anchor the
/// positive distances are sorted once and two <c>searchsorted</c> calls per anchor–reference pair give the range of
/// positives forming a selected triplet with that negative. O(A·R log K) time, O(chunk·R) temporaries, O(A·R) in all:
/// nothing of size A·R² is formed. On CPU the batch path's kernel does it (<see cref="BandKernel"/>, rows = anchors,
/// columns = references; libtorch's sort/searchsorted cost tens of milliseconds for A = 16, R = 2,064); elsewhere
/// torch ops, with the same arithmetic in the matrix's precision, so both give the same selection.
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
            return BandKernel.Evaluate(e, false, t, band, margin, grad is null ? null : new GradientWeights(grad, false, false));
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
