using TripletSharp.Engine;

namespace TripletSharp.Mining;

/// <summary>
/// An implicit triplet selection: for every anchor–positive pair, every negative whose
/// Δ = d_an − d_ap (for similarities Δ = s_ap − s_an) lies in the band. Bands let batch-all and
/// semi-hard mining run in O(B²) memory: the triplets are never materialised.
/// </summary>
/// <param name="Low">Lower bound of Δ.</param>
/// <param name="LowInclusive">Whether Δ = <paramref name="Low"/> is inside.</param>
/// <param name="High">Upper bound of Δ.</param>
/// <param name="HighInclusive">Whether Δ = <paramref name="High"/> is inside.</param>
public sealed record NegativeBand(double Low, bool LowInclusive, double High, bool HighInclusive)
{
    /// <summary>Every valid triplet.</summary>
    public static NegativeBand All { get; } = new(double.NegativeInfinity, true, double.PositiveInfinity, true);

    /// <summary>Whether a given Δ is inside the band.</summary>
    public bool Contains(double delta) =>
        (LowInclusive ? delta >= Low : delta > Low) && (HighInclusive ? delta <= High : delta < High);

    /// <summary>The kernels' form of this band.</summary>
    internal DeltaBand ToEngine() => new(Low, LowInclusive, High, HighInclusive);
}
