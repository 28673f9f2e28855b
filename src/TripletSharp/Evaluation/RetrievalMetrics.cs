namespace TripletSharp.Evaluation;

/// <summary>Retrieval metrics with query = reference (self excluded by index), as in Musgrave et al. 2020 and PML's AccuracyCalculator.</summary>
public sealed record RetrievalMetrics(
    double PrecisionAt1,
    double RPrecision,
    double MapAtR,
    double RecallAt1,
    double RecallAt2,
    double RecallAt4,
    double RecallAt8,
    double Nmi,
    double KnnAccuracy,
    long QueryCount)
{
    /// <summary>The metrics under their <c>metrics.json</c> keys, in a fixed order.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary() => new Dictionary<string, double>
    {
        ["precision_at_1"] = PrecisionAt1,
        ["r_precision"] = RPrecision,
        ["map_at_r"] = MapAtR,
        ["recall_at_1"] = RecallAt1,
        ["recall_at_2"] = RecallAt2,
        ["recall_at_4"] = RecallAt4,
        ["recall_at_8"] = RecallAt8,
        ["nmi"] = Nmi,
        ["knn_accuracy"] = KnnAccuracy,
    };
}
