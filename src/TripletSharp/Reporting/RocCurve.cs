using TripletSharp.Distances;
using static TorchSharp.torch;
using TripletSharp.Evaluation;

namespace TripletSharp.Reporting;

/// <summary>A verification ROC curve with its summary numbers.</summary>
/// <param name="FalsePositiveRates">x values (false-accept rates), ascending.</param>
/// <param name="TruePositiveRates">y values (true-accept rates), one per x value.</param>
/// <param name="Auc">Area under the curve.</param>
/// <param name="TarAtFar1e3">True-accept rate at a false-accept rate of 1e-3.</param>
public sealed record RocCurve(double[] FalsePositiveRates, double[] TruePositiveRates, double Auc, double TarAtFar1e3)
{
    /// <summary>The curve of a verification evaluation.</summary>
    public static RocCurve FromMetrics(VerificationMetrics metrics)
    {
        Guard.NotNull(metrics, nameof(metrics));
        return new RocCurve(metrics.FalsePositiveRates, metrics.TruePositiveRates, metrics.RocAuc, metrics.TarAtFar1e3);
    }

    /// <summary>
    /// The curve of <see cref="VerificationEvaluator.EvaluateAllPairs(Tensor, long[])"/> with default settings (same pairs, same
    /// numbers) without its cross-validated accuracy, which a report does not show.
    /// </summary>
    internal static RocCurve AllPairs(Tensor embeddings, long[] labels, BaseDistance distance)
    {
        var (fpr, tpr, auc, tar) = new VerificationEvaluator(distance).RocAllPairs(embeddings, labels);
        return new RocCurve(fpr, tpr, auc, tar);
    }
}
