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
}
