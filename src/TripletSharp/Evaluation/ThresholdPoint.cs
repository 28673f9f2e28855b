namespace TripletSharp.Evaluation;

/// <summary>The counts and figures when everything within <paramref name="Threshold"/> is accepted.</summary>
/// <param name="Threshold">Accept when distance ≤ threshold (for a similarity: similarity ≥ threshold).</param>
/// <param name="TruePositives">Accepted positives (same-class pairs; queries whose nearest item is of the right class).</param>
/// <param name="FalsePositives">Accepted negatives.</param>
/// <param name="TrueNegatives">Rejected negatives.</param>
/// <param name="FalseNegatives">Rejected positives.</param>
/// <param name="Precision">TP / (TP + FP); 1 when nothing is accepted.</param>
/// <param name="Recall">Verification: TP / positives. Identification: TP / all queries (a query counts only when answered correctly).</param>
/// <param name="F1">Harmonic mean of precision and recall (0 when both are 0).</param>
/// <param name="Far">FP / negatives (0 when there are no negatives).</param>
/// <param name="Tar">TP / positives.</param>
public sealed record ThresholdPoint(double Threshold, long TruePositives, long FalsePositives, long TrueNegatives, long FalseNegatives,
    double Precision, double Recall, double F1, double Far, double Tar);
