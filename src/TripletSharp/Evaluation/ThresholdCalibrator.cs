using TripletSharp.Distances;
using TripletSharp.Search;
using static TorchSharp.torch;

namespace TripletSharp.Evaluation;

/// <summary>
/// Chooses a distance threshold on labelled validation data for a target FAR, precision or recall, in two modes:
/// <see cref="CalibrationMode.Verification"/> (pairs: all pairs of a set, or a given pair list) and
/// <see cref="CalibrationMode.Identification"/> (each query's nearest gallery item). Choose on validation data and
/// report on test data.
/// </summary>
/// <remarks>
/// Candidates are the distinct distances; a candidate t accepts every pair or query at distance ≤ t (for a similarity
/// such as dot: similarity ≥ t), so equal distances are always accepted or rejected together. FAR target: the loosest
/// candidate with FAR ≤ target (the highest TAR). Precision target: the loosest candidate with precision ≥ target
/// (the highest recall). Recall target: the tightest candidate with recall ≥ target. No candidate reaching the target
/// is a <see cref="CalibrationException"/> that says what the best reachable value is.
/// </remarks>
public static class ThresholdCalibrator
{
    /// <summary>All pairs i &lt; j of a set above this count are refused (memory: two doubles per pair).</summary>
    public const long MaxPairs = 1L << 25;

    /// <summary>Verification on all pairs i &lt; j of <paramref name="embeddings"/> (same class = positive).</summary>
    /// <exception cref="CalibrationException">One class only, no same-class pair, or the target is out of reach.</exception>
    public static CalibrationResult Verification(Tensor embeddings, IReadOnlyList<long> labels, BaseDistance measure, CalibrationTarget target)
    {
        Guard.Embeddings(embeddings, nameof(embeddings));
        Guard.NotNull(labels, nameof(labels));
        Guard.NotNull(measure, nameof(measure));
        Guard.NotNull(target, nameof(target));
        target.Validate(nameof(target));
        long n = embeddings.shape[0];
        if (labels.Count != n) throw new ArgumentException($"'{nameof(labels)}' has {labels.Count} entries but there are {n} embeddings.", nameof(labels));
        if (labels.Distinct().Count() < 2) throw new CalibrationException($"The calibration data has one class only ({n} items); verification needs different-class pairs.");
        long pairs = n * (n - 1) / 2;
        if (pairs > MaxPairs) throw new ArgumentException($"'{nameof(embeddings)}' has {n} items, {pairs} pairs; at most {MaxPairs} pairs are measured. Use fewer items or a pair list.", nameof(embeddings));
        var values = new double[pairs];
        var positive = new bool[pairs];
        using (no_grad())
        {
            long at = 0;
            const int block = 256;
            for (long s = 0; s < n; s += block)
            {
                using var scope = NewDisposeScope();
                long b = Math.Min(block, n - s);
                var m = measure.Compute(embeddings.narrow(0, s, b), embeddings).to_type(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
                for (long i = 0; i < b; i++)
                {
                    long row = s + i;
                    for (long j = row + 1; j < n; j++)
                    {
                        values[at] = m[i * n + j];
                        positive[at] = labels[(int)row] == labels[(int)j];
                        at++;
                    }
                }
            }
        }
        return Calibrate(values, positive, target, CalibrationMode.Verification, measure);
    }

    /// <summary>Verification on a pair list: row i of <paramref name="first"/> with row i of <paramref name="second"/>.</summary>
    /// <exception cref="CalibrationException">No same pair, no different pair, or the target is out of reach.</exception>
    public static CalibrationResult Verification(Tensor first, Tensor second, IReadOnlyList<bool> same, BaseDistance measure, CalibrationTarget target)
    {
        Guard.NotNull(measure, nameof(measure));
        Guard.NotNull(same, nameof(same));
        Guard.Embeddings(first, nameof(first));
        if (same.Count != first.shape[0]) throw new ArgumentException($"'{nameof(same)}' has {same.Count} entries but there are {first.shape[0]} pairs.", nameof(same));
        double[] values;
        using (no_grad())
        using (var scope = NewDisposeScope())
            values = measure.Pairwise(first, second).to_type(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        return Calibrate(values, same, target, CalibrationMode.Verification, measure);
    }

    /// <summary>Identification: each query against <paramref name="gallery"/>; positive when the nearest item has the query's class.</summary>
    /// <exception cref="CalibrationException">One gallery class only, no query answered correctly, or the target is out of reach.</exception>
    public static CalibrationResult Identification(Tensor queries, IReadOnlyList<long> queryLabels, Tensor gallery, IReadOnlyList<long> galleryLabels, BaseDistance measure, CalibrationTarget target) =>
        IdentificationCore(queries, queryLabels, gallery, galleryLabels, measure, target, excludeSelf: false);

    /// <summary>Identification leave-one-out: each item against all the others.</summary>
    /// <exception cref="CalibrationException">One class only, no item whose nearest other item has its class, or the target is out of reach.</exception>
    public static CalibrationResult Identification(Tensor embeddings, IReadOnlyList<long> labels, BaseDistance measure, CalibrationTarget target) =>
        IdentificationCore(embeddings, labels, embeddings, labels, measure, target, excludeSelf: true);

    /// <summary>
    /// Identification against an index (exact or HNSW): each query's nearest indexed item; positive when its class name
    /// is the query's. The result records the index's model fingerprint.
    /// </summary>
    /// <exception cref="CalibrationException">The index holds one class only, no query's nearest item is of its class, or the target is out of reach.</exception>
    public static CalibrationResult Identification(EmbeddingIndex index, Tensor queries, IReadOnlyList<string> queryClassNames, CalibrationTarget target)
    {
        Guard.NotNull(index, nameof(index));
        Guard.NotNull(queryClassNames, nameof(queryClassNames));
        Guard.Embeddings(queries, nameof(queries));
        if (queryClassNames.Count != queries.shape[0]) throw new ArgumentException($"'{nameof(queryClassNames)}' has {queryClassNames.Count} entries but there are {queries.shape[0]} queries.", nameof(queryClassNames));
        if (index.Labels.Distinct().Count() < 2) throw new CalibrationException($"The index holds one class only ({index.Count} items); identification needs at least 2 classes.");
        var hits = index.Search(queries, 1);
        var values = hits.Select(h => h[0].Distance).ToArray();
        var positive = hits.Select((h, i) => string.Equals(h[0].ClassName, queryClassNames[i], StringComparison.Ordinal)).ToArray();
        return Calibrate(values, positive, target, CalibrationMode.Identification, index.Measure) with { ModelFingerprint = index.ModelFingerprint };
    }

    private static CalibrationResult IdentificationCore(Tensor queries, IReadOnlyList<long> queryLabels, Tensor gallery, IReadOnlyList<long> galleryLabels, BaseDistance measure, CalibrationTarget target, bool excludeSelf)
    {
        Guard.Embeddings(queries, nameof(queries));
        Guard.Embeddings(gallery, nameof(gallery));
        Guard.NotNull(queryLabels, nameof(queryLabels));
        Guard.NotNull(galleryLabels, nameof(galleryLabels));
        Guard.NotNull(measure, nameof(measure));
        if (queryLabels.Count != queries.shape[0]) throw new ArgumentException($"'{nameof(queryLabels)}' has {queryLabels.Count} entries but there are {queries.shape[0]} queries.", nameof(queryLabels));
        if (galleryLabels.Count != gallery.shape[0]) throw new ArgumentException($"'{nameof(galleryLabels)}' has {galleryLabels.Count} entries but there are {gallery.shape[0]} gallery items.", nameof(galleryLabels));
        if (galleryLabels.Distinct().Count() < 2) throw new CalibrationException($"The gallery has one class only ({gallery.shape[0]} items); identification needs at least 2 classes.");
        int q = (int)queries.shape[0];
        var values = new double[q];
        var positive = new bool[q];
        using (var scope = NewDisposeScope())
        {
            using var knn = ExactKnn.Search(queries, gallery, 1, measure, excludeSelf);
            var idx = knn.Indices.cpu().data<long>().ToArray();
            var val = knn.Distances.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
            for (int i = 0; i < q; i++)
            {
                values[i] = val[i];
                positive[i] = galleryLabels[(int)idx[i]] == queryLabels[i];
            }
        }
        return Calibrate(values, positive, target, CalibrationMode.Identification, measure);
    }

    /// <summary>
    /// Calibrates from measured values: pair distances with same/different flags (verification), or each query's
    /// nearest distance with whether that nearest item is of the right class (identification).
    /// </summary>
    /// <param name="values">Finite distances (or similarities for an inverted measure).</param>
    /// <param name="positive">Same-class pair / correct nearest item.</param>
    /// <param name="target">The target.</param>
    /// <param name="mode">How recall is counted (see <see cref="ThresholdPoint.Recall"/>).</param>
    /// <param name="measure">The measure the values are in (its name and direction are recorded).</param>
    public static CalibrationResult Calibrate(IReadOnlyList<double> values, IReadOnlyList<bool> positive, CalibrationTarget target, CalibrationMode mode, BaseDistance measure)
    {
        Guard.NotNull(values, nameof(values));
        Guard.NotNull(positive, nameof(positive));
        Guard.NotNull(target, nameof(target));
        Guard.NotNull(measure, nameof(measure));
        target.Validate(nameof(target));
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, $"'{nameof(mode)}' is not a known mode: {mode}.");
        if (values.Count != positive.Count) throw new ArgumentException($"'{nameof(values)}' has {values.Count} entries but '{nameof(positive)}' has {positive.Count}.", nameof(positive));
        if (values.Count == 0) throw new CalibrationException("The calibration data is empty: no pairs or queries to measure.");
        for (int i = 0; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i])) throw new ArgumentException($"'{nameof(values)}'[{i}] is {values[i]}; distances must be finite.", nameof(values));
        }
        bool inverted = measure.IsInverted;
        long pos = positive.Count(p => p), neg = values.Count - pos;
        string unit = mode == CalibrationMode.Verification ? "pairs" : "queries";
        if (pos == 0)
            throw new CalibrationException(mode == CalibrationMode.Verification
                ? $"No positive pairs among {values.Count}: every pair is of two different classes; calibration needs same-class pairs."
                : $"No query of {values.Count} has a nearest item of its own class; identification cannot be calibrated.");
        if (neg == 0 && (mode == CalibrationMode.Verification || target.Metric == CalibrationMetric.Far))
            throw new CalibrationException(mode == CalibrationMode.Verification
                ? $"No negative pairs among {values.Count}: every pair is of one class; calibration needs different-class pairs."
                : $"Every query's nearest item is of its own class, so no false accept can be measured; use a precision or recall target.");
        var curve = Curve(values, positive, mode, inverted, pos, neg);
        ThresholdPoint? chosen = target.Metric switch
        {
            CalibrationMetric.Far => curve.LastOrDefault(p => p.Far <= target.Value),
            CalibrationMetric.Precision => curve.LastOrDefault(p => p.Precision >= target.Value),
            _ => curve.FirstOrDefault(p => p.Recall >= target.Value),
        };
        if (chosen is null)
        {
            string best = target.Metric switch
            {
                CalibrationMetric.Far => $"the tightest threshold {curve[0].Threshold:R} already gives FAR {curve[0].Far:R}",
                CalibrationMetric.Precision => $"the best precision is {curve.Max(p => p.Precision):R}",
                _ => $"the best recall is {curve[^1].Recall:R}",
            };
            throw new CalibrationException($"No threshold reaches {target} on these {values.Count} {unit}: {best}.");
        }
        return new CalibrationResult
        {
            Mode = mode,
            Measure = measure.Name,
            HigherIsCloser = inverted,
            Target = target,
            Threshold = chosen.Threshold,
            Far = chosen.Far,
            Tar = chosen.Tar,
            Precision = chosen.Precision,
            Recall = chosen.Recall,
            F1 = chosen.F1,
            Count = values.Count,
            Positives = pos,
            Negatives = neg,
            TruePositives = chosen.TruePositives,
            FalsePositives = chosen.FalsePositives,
            Curve = curve,
        };
    }

    private static ThresholdPoint[] Curve(IReadOnlyList<double> values, IReadOnlyList<bool> positive, CalibrationMode mode, bool inverted, long pos, long neg)
    {
        int n = values.Count;
        var keys = new double[n];
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            keys[i] = inverted ? -values[i] : values[i];
            order[i] = i;
        }
        Array.Sort(keys, order);
        var points = new List<ThresholdPoint>();
        long tp = 0, fp = 0;
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j < n && keys[j] == keys[i])
            {
                if (positive[order[j]]) tp++;
                else fp++;
                j++;
            }
            double precision = tp + fp == 0 ? 1 : (double)tp / (tp + fp);
            double tar = (double)tp / pos;
            double recall = mode == CalibrationMode.Verification ? tar : (double)tp / (pos + neg);
            double far = neg == 0 ? 0 : (double)fp / neg;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            points.Add(new ThresholdPoint(values[order[i]], tp, fp, neg - fp, pos - tp, precision, recall, f1, far, tar));
            i = j;
        }
        return points.ToArray();
    }
}
