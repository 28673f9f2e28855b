using static TorchSharp.torch;

namespace TripletSharp.Losses;

/// <summary>A loss value with the counts behind it.</summary>
/// <param name="Loss">The reduced loss (scalar), or per-triplet losses for <see cref="NoReducer"/>. Connected to the graph even when there is no triplet.</param>
/// <param name="TripletCount">Number of triplets the loss was computed over.</param>
/// <param name="ActiveTripletCount">Number of triplets with a loss &gt; 0.</param>
public sealed record LossOutput(Tensor Loss, long TripletCount, long ActiveTripletCount)
{
    /// <summary>Fraction of triplets with a loss &gt; 0 (0 when there are none).</summary>
    public double ActiveFraction => TripletCount == 0 ? 0 : (double)ActiveTripletCount / TripletCount;
}
