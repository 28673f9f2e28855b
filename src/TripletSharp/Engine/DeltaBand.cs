namespace TripletSharp.Engine;

/// <summary>
/// The kernels' form of a band selection: for every anchor–positive pair, every negative whose Δ = E_an − E_ap
/// (E distance-like) lies between <paramref name="Low"/> and <paramref name="High"/>. The public declaration is
/// <c>Mining.NegativeBand</c>, which maps to this.
/// </summary>
/// <param name="Low">Lower bound of Δ.</param>
/// <param name="LowInclusive">Whether Δ = <paramref name="Low"/> is inside.</param>
/// <param name="High">Upper bound of Δ.</param>
/// <param name="HighInclusive">Whether Δ = <paramref name="High"/> is inside.</param>
internal readonly record struct DeltaBand(double Low, bool LowInclusive, double High, bool HighInclusive)
{
    /// <summary>Every valid triplet.</summary>
    public static DeltaBand All => new(double.NegativeInfinity, true, double.PositiveInfinity, true);
}
