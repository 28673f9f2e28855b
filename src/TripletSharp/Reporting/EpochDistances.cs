namespace TripletSharp.Reporting;

/// <summary>Anchor–positive and anchor–negative distances measured on the test split after one epoch.</summary>
/// <param name="Epoch">Epoch the distances belong to.</param>
/// <param name="AnchorPositive">Raw d_ap values (the report bins them).</param>
/// <param name="AnchorNegative">Raw d_an values (the report bins them).</param>
public sealed record EpochDistances(int Epoch, float[] AnchorPositive, float[] AnchorNegative);
