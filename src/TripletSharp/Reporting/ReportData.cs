using TripletSharp.Components;
using TripletSharp.Evaluation;
using static TorchSharp.torch;

namespace TripletSharp.Reporting;

/// <summary>
/// Everything the HTML report shows, as plain values: the trainer (or <c>triplet report</c>) fills it in and
/// <see cref="HtmlReportWriter"/> renders it. The report computes the maps, the gallery and the confusion matrix itself
/// from <see cref="Embeddings"/> and <see cref="Labels"/>.
/// </summary>
internal sealed class ReportData
{
    /// <summary>Page title.</summary>
    public string Title { get; init; } = "TripletSharp report";

    /// <summary>Run summary shown in order, for example data, model, miner, loss, distance, margin, epochs, time.</summary>
    public required IReadOnlyDictionary<string, string> Summary { get; init; }

    /// <summary>Final test metrics under their <c>metrics.json</c> keys (precision_at_1, r_precision, map_at_r, ...).</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>Per-epoch rows of <c>history.csv</c>; curves are drawn for loss, active_fraction, precision_at_1 and map_at_r.</summary>
    public IReadOnlyList<HistoryRow> History { get; init; } = [];

    /// <summary>Test-split d_ap and d_an of the first and the last epoch (any number of epochs is shown, in order).</summary>
    public IReadOnlyList<EpochDistances> Distances { get; init; } = [];

    /// <summary>The triplet margin, marked on the distance histograms; null when there is none.</summary>
    public double? Margin { get; init; }

    /// <summary>N×D test embeddings (any device, floating point).</summary>
    public required Tensor Embeddings { get; init; }

    /// <summary>Class index of every test item, 0 ≤ label &lt; <see cref="ClassNames"/>.Count.</summary>
    public required long[] Labels { get; init; }

    /// <summary>Name of every class.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Id (file name or row id) of every test item; the row number is used when null.</summary>
    public IReadOnlyList<string>? ItemIds { get; init; }

    /// <summary>N×C×H×W test images with values in [0, 1] (C = 1 or 3), for image data; null for vector data.</summary>
    public Tensor? Images { get; init; }

    /// <summary>
    /// Measure of the gallery and the confusion matrix, by engine name: <c>euclidean</c>, <c>squared-euclidean</c>,
    /// <c>cosine</c> or <c>dot</c> (a similarity: larger is closer).
    /// </summary>
    public string DistanceName { get; init; } = "euclidean";

    /// <summary>L2-normalise embeddings before measuring (cosine always does).</summary>
    public bool NormalizeEmbeddings { get; init; }

    /// <summary>Verification ROC; the section says "not computed" when null.</summary>
    public RocCurve? Roc { get; init; }

    internal int Count => Labels.Length;

    internal string ItemId(int i) => ItemIds is null ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : ItemIds[i];

    internal void Validate()
    {
        Guard.NotNull(Title, nameof(Title));
        Guard.NotNull(Summary, nameof(Summary));
        Guard.NotNull(Metrics, nameof(Metrics));
        Guard.NotNull(History, nameof(History));
        Guard.NotNull(Distances, nameof(Distances));
        Guard.NotNull(Labels, nameof(Labels));
        Guard.NotNull(ClassNames, nameof(ClassNames));
        Guard.NotNull(DistanceName, nameof(DistanceName));
        Guard.Embeddings(Embeddings, nameof(Embeddings));
        if (Embeddings.shape[0] != Labels.Length)
            throw new ArgumentException($"'{nameof(Embeddings)}' has {Embeddings.shape[0]} rows but there are {Labels.Length} labels.", nameof(Embeddings));
        if (ClassNames.Count == 0)
            throw new ArgumentException($"'{nameof(ClassNames)}' is empty.", nameof(ClassNames));
        for (int i = 0; i < Labels.Length; i++)
            if (Labels[i] < 0 || Labels[i] >= ClassNames.Count)
                throw new ArgumentException($"'{nameof(Labels)}'[{i}] = {Labels[i]} is not a class index in [0, {ClassNames.Count}).", nameof(Labels));
        if (ItemIds is not null && ItemIds.Count != Labels.Length)
            throw new ArgumentException($"'{nameof(ItemIds)}' has {ItemIds.Count} entries but there are {Labels.Length} labels.", nameof(ItemIds));
        if (Images is not null)
        {
            if (Images.dim() != 4 || Images.shape[0] != Labels.Length || (Images.shape[1] != 1 && Images.shape[1] != 3))
                throw new ArgumentException($"'{nameof(Images)}' must be N×C×H×W with N = {Labels.Length} and C = 1 or 3, got shape [{string.Join(", ", Images.shape)}].", nameof(Images));
        }
        if (Margin is double m) Guard.Finite(m, nameof(Margin));
        foreach (var row in History)
        {
            Guard.NotNull(row, nameof(History));
            Guard.NotNull(row.Values, nameof(HistoryRow.Values));
        }
        foreach (var d in Distances)
        {
            Guard.NotNull(d, nameof(Distances));
            Guard.NotNull(d.AnchorPositive, nameof(EpochDistances.AnchorPositive));
            Guard.NotNull(d.AnchorNegative, nameof(EpochDistances.AnchorNegative));
        }
        if (Roc is not null)
        {
            Guard.NotNull(Roc.FalsePositiveRates, nameof(RocCurve.FalsePositiveRates));
            Guard.NotNull(Roc.TruePositiveRates, nameof(RocCurve.TruePositiveRates));
            if (Roc.FalsePositiveRates.Length != Roc.TruePositiveRates.Length)
                throw new ArgumentException($"'{nameof(Roc)}' has {Roc.FalsePositiveRates.Length} false-positive rates but {Roc.TruePositiveRates.Length} true-positive rates.", nameof(Roc));
        }
        ComponentRegistry.CheckDistanceName(DistanceName, nameof(DistanceName));
    }
}
