using TorchSharp;
using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>What a miner found in one batch.</summary>
/// <param name="TripletCount">Number of triplets selected (may exceed what fits in memory for band selections).</param>
/// <param name="AnchorFraction">Fraction of the batch's rows used as an anchor by at least one triplet.</param>
/// <param name="MeanAnchorPositive">Mean anchor–positive distance over the selected triplets (NaN when none).</param>
/// <param name="MeanAnchorNegative">Mean anchor–negative distance over the selected triplets (NaN when none).</param>
public readonly record struct MiningStats(long TripletCount, double AnchorFraction, double MeanAnchorPositive, double MeanAnchorNegative)
{
    /// <summary>Stats of a batch with no triplet.</summary>
    public static MiningStats Empty => new(0, 0, double.NaN, double.NaN);

    /// <summary>Counts, anchor fraction and mean measures of explicit triplets on the raw matrix.</summary>
    internal static MiningStats FromIndices(Tensor distances, TripletIndices indices)
    {
        long n = indices.Count;
        if (n == 0) return Empty;
        using var scope = torch.NewDisposeScope();
        long batch = distances.shape[0];
        if (ExplicitKernel.CanReadStats(distances, indices.Anchors, indices.Positives, indices.Negatives))
        {
            var (used, sumAp, sumAn) = ExplicitKernel.Stats(distances, indices.Anchors, indices.Positives, indices.Negatives);
            return new MiningStats(n, (double)used / batch, sumAp / n, sumAn / n);
        }
        long anchors = torch.unique(indices.Anchors).Item1.shape[0];
        double ap = distances.index(new[] { indices.Anchors, indices.Positives }).sum(type: ScalarType.Float64).item<double>() / n;
        double an = distances.index(new[] { indices.Anchors, indices.Negatives }).sum(type: ScalarType.Float64).item<double>() / n;
        return new MiningStats(n, (double)anchors / batch, ap, an);
    }

    /// <summary>Statistics of a band from its totals (means of the raw measure; <paramref name="inverted"/> negates back).</summary>
    internal static MiningStats FromBand(BandTotals totals, long batch, bool inverted)
    {
        if (totals.Count == 0) return Empty;
        var (ap, an) = totals.BandSums ?? (totals.SumAnchorPositive, totals.SumAnchorNegative);
        double sign = inverted ? -1 : 1;
        return new MiningStats(totals.Count, (double)totals.AnchorsUsed / batch, sign * ap / totals.Count, sign * an / totals.Count);
    }
}
