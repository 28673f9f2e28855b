using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>Totals of a band selection.</summary>
/// <param name="Count">Triplets in the band.</param>
/// <param name="ActiveCount">Triplets in the band with a hinge loss &gt; 0 (equals <paramref name="Count"/> without a margin).</param>
/// <param name="AnchorsUsed">Anchors with at least one selected triplet (band, not active).</param>
/// <param name="SumAnchorPositive">Σ E_ap over the selected triplets (active ones when a margin is given).</param>
/// <param name="SumAnchorNegative">Σ E_an over the selected triplets (active ones when a margin is given).</param>
/// <param name="BandSums">Σ E_ap and Σ E_an over the whole band (for miner statistics), when computed.</param>
internal readonly record struct BandTotals(long Count, long ActiveCount, long AnchorsUsed, double SumAnchorPositive, double SumAnchorNegative, (double Ap, double An)? BandSums = null);

/// <summary>
/// The O(B²)-memory band algorithm. For an anchor a, the triplet (a, p, n) is in the band when
/// lo ⊲ E_an − E_ap ⊲ hi, i.e. E_an − hi ⊲ E_ap ⊲ E_an − lo. Sorting each anchor's (few) positive distances once,
/// two <c>searchsorted</c> calls give, for every (a, n), the contiguous range of sorted positives that form a selected
/// triplet with n: its length is the triplet count and the prefix-sum difference is Σ E_ap. The per-positive counts
/// (how many negatives select each positive) follow from a histogram of the range ends and a cumulative sum. The hinge
/// loss on the selected active triplets is linear in E, Σ (E_ap − E_an + m), so its gradient with respect to the matrix
/// is exactly those counts: +count at (a, p), −count at (a, n). Everything is O(B·K log K + B² log K) time and
/// O(B²) memory; rows are processed in chunks so the temporaries stay small.
/// </summary>
internal static class BandMath
{
    private const long ChunkElements = 1L << 22;

    /// <summary>
    /// Evaluates a band on the raw matrix <paramref name="m"/> of a measure (negated when <paramref name="inverted"/>, so
    /// that E is distance-like). With <paramref name="margin"/> the loss quantities are restricted to the active triplets
    /// (Δ &lt; margin) and, when <paramref name="grad"/> (B×B) is given, it is overwritten with d(Σ hinge)/dE.
    /// Uses the CPU kernel where it can, torch ops elsewhere.
    /// </summary>
    public static BandTotals Evaluate(Tensor m, bool inverted, PairTable t, DeltaBand band, double? margin, GradientWeights? grad)
    {
        using var noGrad = torch.no_grad();
        if (!t.HasTriplets)
        {
            grad?.Weights.zero_();
            return new BandTotals(0, 0, 0, 0, 0);
        }
        if (!EngineSwitches.TorchOnly && HostTensor.IsKernelReady(m) && (grad is null || HostTensor.IsKernelReady(grad.Weights)))
        {
            var totals = BandKernel.Evaluate(m, inverted, t, band, margin, grad);
            if (grad is not null) grad.Finished = true;
            return totals;
        }
        using var scope = torch.NewDisposeScope();
        grad?.Weights.zero_();
        return EvaluateTorch(inverted ? m.neg() : m, t.WithTensors(), band, margin, grad?.Weights);
    }

    /// <summary>
    /// <see cref="Evaluate"/> on the distance-like A×R matrix <paramref name="e"/> of a batch against itself followed by
    /// extra references (cross-batch memory); <paramref name="grad"/> (A×R, zeroed by the caller) receives d(Σ hinge)/dE.
    /// The band sums for the miner's statistics are always computed. O(A·R log K) time, O(chunk·R) temporaries:
    /// nothing of size A·R² is formed.
    /// </summary>
    public static BandTotals EvaluateReferences(Tensor e, CrossPairTable t, DeltaBand band, double? margin, Tensor? grad)
    {
        using var noGrad = torch.no_grad();
        if (!t.HasTriplets) return new BandTotals(0, 0, 0, 0, 0);
        if (!EngineSwitches.TorchOnly && HostTensor.IsKernelReady(e) && (grad is null || HostTensor.IsKernelReady(grad)))
            return BandKernel.Evaluate(e, false, t, band, margin, grad is null ? null : new GradientWeights(grad, false, false));
        return EvaluateTorch(e, t, band, margin, grad, bandSums: true);
    }

    /// <summary>
    /// The device-independent implementation on the distance-like Rows×Columns matrix <paramref name="e"/>;
    /// <paramref name="grad"/> must be zeroed. With <paramref name="bandSums"/> the band (not only active) sums are
    /// computed when the margin cuts the band (for the miner's statistics); otherwise they are left null then.
    /// </summary>
    private static BandTotals EvaluateTorch(Tensor e, IBandStructure t, DeltaBand band, double? margin, Tensor? grad, bool bandSums = false)
    {
        int rowsTotal = t.Rows, b = t.Columns, k = t.K;
        var (activeHigh, activeHighInclusive) = margin is double m ? Cap(band.High, band.HighInclusive, m) : (band.High, band.HighInclusive);
        bool separateActive = activeHigh != band.High || activeHighInclusive != band.HighInclusive;
        long rowsPerChunk = Math.Max(1, ChunkElements / Math.Max(b, k + 1));
        long count = 0, active = 0, anchors = 0;
        double sumAp = 0, sumAn = 0, bandAp = 0, bandAn = 0;
        for (long r0 = 0; r0 < rowsTotal; r0 += rowsPerChunk)
        {
            using var scope = torch.NewDisposeScope();
            long c = Math.Min(rowsPerChunk, rowsTotal - r0);
            var rows = e.narrow(0, r0, c);
            var posIdx = t.PosIdx.narrow(0, r0, c);
            var posValid = t.PosValid.narrow(0, r0, c);
            var npos = t.PosCount.narrow(0, r0, c).unsqueeze(1);
            var neg = t.NegativeMask(r0, c);
            var ep = rows.gather(1, posIdx).masked_fill(posValid.logical_not(), Scalars.PositiveInfinity);
            var (sorted, perm) = ep.sort(1);

            // Sorted positions [lower, upper) of the positives forming a selected triplet with each negative.
            var upper = double.IsNegativeInfinity(band.Low)
                ? npos.expand(c, b)
                : torch.searchsorted(sorted, band.Low == 0 ? rows : rows.sub(Scalars.Of(band.Low)), right: band.LowInclusive);
            var lower = Lower(sorted, rows, band.High, band.HighInclusive, c, b);
            var bandCount = (upper - lower).clamp_min(Scalars.I0).mul_(neg);
            var perAnchor = bandCount.sum(1);
            count += perAnchor.sum().item<long>();
            anchors += perAnchor.gt(Scalars.I0).sum().item<long>();

            var lowerActive = separateActive ? Lower(sorted, rows, activeHigh, activeHighInclusive, c, b) : lower;
            var activeCount = separateActive ? (upper - lowerActive).clamp_min(Scalars.I0).mul_(neg) : bandCount;
            active += separateActive ? activeCount.sum().item<long>() : perAnchor.sum().item<long>();

            var weights = neg.to(e.dtype);
            var finiteSorted = sorted.masked_fill(sorted.isinf(), Scalars.Zero);
            if (separateActive && bandSums)
            {
                // Band (not only active) sums, for the miner's statistics.
                bandAn += (bandCount.to(e.dtype) * rows).sum(type: ScalarType.Float64).item<double>();
                bandAp += (PerPositive(lower, torch.maximum(upper, lower), weights, c, k, e) * finiteSorted).sum(type: ScalarType.Float64).item<double>();
            }
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
        return new BandTotals(count, active, anchors, sumAp, sumAn, separateActive ? (bandSums ? (bandAp, bandAn) : null) : (sumAp, sumAn));
    }

    /// <summary>How many negatives select each sorted positive: a histogram of range starts minus range ends, cumulated.</summary>
    private static Tensor PerPositive(Tensor lower, Tensor upper, Tensor weights, long c, int k, Tensor e)
    {
        var hist = zeros(c, k + 1, dtype: e.dtype, device: e.device)
            .scatter_add_(1, lower, weights)
            .scatter_add_(1, upper, weights.neg());
        return hist.cumsum(1).narrow(1, 0, Math.Max(k, 1));
    }

    /// <summary>Band ∩ {Δ &lt; margin}: the upper end of the active part of the band.</summary>
    public static (double High, bool Inclusive) Cap(double high, bool inclusive, double margin) =>
        margin <= high ? (margin, false) : (high, inclusive);

    private static Tensor Lower(Tensor sorted, Tensor rows, double high, bool inclusive, long c, long b) =>
        double.IsPositiveInfinity(high)
            ? zeros(c, b, dtype: ScalarType.Int64, device: rows.device)
            : torch.searchsorted(sorted, high == 0 ? rows : rows.sub(Scalars.Of(high)), right: !inclusive);
}
