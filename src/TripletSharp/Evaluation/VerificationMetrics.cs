namespace TripletSharp.Evaluation;

/// <summary>Pair verification metrics (same / different), as in the LFW protocol.</summary>
/// <param name="RocAuc">Area under the ROC curve.</param>
/// <param name="TarAtFar1e3">True-accept rate at a false-accept rate of 1e-3.</param>
/// <param name="BestAccuracy">Mean 10-fold cross-validated accuracy of the best threshold.</param>
/// <param name="BestAccuracyStd">Standard deviation of that accuracy over the folds.</param>
/// <param name="Threshold">Best threshold on all pairs.</param>
/// <param name="PairCount">Number of pairs.</param>
/// <param name="FalsePositiveRates">ROC curve x values.</param>
/// <param name="TruePositiveRates">ROC curve y values.</param>
public sealed record VerificationMetrics(
    double RocAuc,
    double TarAtFar1e3,
    double BestAccuracy,
    double BestAccuracyStd,
    double Threshold,
    long PairCount,
    double[] FalsePositiveRates,
    double[] TruePositiveRates)
{
    /// <summary>Fewer pairs than this cannot give the 10-fold accuracy.</summary>
    public const int MinPairsForAccuracy = 10;

    /// <summary>Whether <see cref="BestAccuracy"/> means something: enough pairs for 10 folds, and a finite threshold (both same and different pairs).</summary>
    public bool HasAccuracy => PairCount >= MinPairsForAccuracy && double.IsFinite(Threshold) && double.IsFinite(BestAccuracy);
}
