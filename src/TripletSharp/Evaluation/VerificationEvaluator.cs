using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Engine;
using TripletSharp.Mining;
using static TorchSharp.torch;

namespace TripletSharp.Evaluation;

/// <summary>Verification over labelled pairs: ROC AUC, TAR at FAR = 1e-3, 10-fold best-threshold accuracy.</summary>
/// <remarks>
/// Each pair gets the measure's value (Euclidean: ‖a − b‖ from the difference, not the expansion; squared: its
/// square; cosine: 1 − cos; dot: a·b), computed in float64. A pair is accepted as "same" when its distance is at
/// most the threshold (for similarities, at least), so pairs with equal values are always decided together.
/// <list type="bullet">
/// <item>ROC AUC: exact, the Mann-Whitney statistic with ties counting ½.</item>
/// <item>TAR at FAR = 1e-3: the highest true-accept rate among thresholds whose false-accept rate is ≤ 1e-3, i.e. the
/// TPR at the most lenient such threshold (0 when no threshold accepts a pair at that FAR).</item>
/// <item>Accuracy: the LFW protocol. Pairs are split into <see cref="Folds"/> contiguous folds (sizes differing by at
/// most one); for each fold the threshold with the best accuracy on the other folds (candidates: midpoints between
/// consecutive distinct values, accept-all and accept-none; the strictest on ties) is measured on the held-out fold.
/// Mean and population standard deviation over the folds. Explicit pairs keep their order (a pairs file's order
/// defines its folds, as LFW's pairs.txt does); all-pairs evaluation shuffles the pairs with <see cref="Seed"/> first.</item>
/// <item><see cref="VerificationMetrics.Threshold"/>: the best threshold on all pairs, in the measure's units.</item>
/// <item>ROC curve: one point per distinct threshold, downsampled evenly to at most <see cref="MaxCurvePoints"/>.</item>
/// </list>
/// </remarks>
public sealed class VerificationEvaluator
{
    /// <summary>False-accept rate of <see cref="VerificationMetrics.TarAtFar1e3"/>.</summary>
    public const double Far = 1e-3;

    /// <summary>Most ROC points returned.</summary>
    public const int MaxCurvePoints = 500;

    /// <summary>Creates the evaluator.</summary>
    /// <param name="distance">Measure (Euclidean when null).</param>
    /// <param name="folds">Cross-validation folds (≥ 2).</param>
    /// <param name="seed">Seed of the pair sample and shuffle in <c>EvaluateAllPairs</c>.</param>
    /// <param name="maxPairs">Cap on the pairs <c>EvaluateAllPairs</c> uses; beyond it, a seeded uniform sample of distinct pairs.</param>
    public VerificationEvaluator(BaseDistance? distance = null, int folds = 10, int seed = 0, int maxPairs = 1_000_000)
    {
        if (folds < 2) throw new ArgumentOutOfRangeException(nameof(folds), folds, $"'{nameof(folds)}' must be >= 2, got {folds}.");
        Guard.Positive(maxPairs, nameof(maxPairs));
        Distance = distance ?? new EuclideanDistance();
        Folds = folds;
        Seed = seed;
        MaxPairs = maxPairs;
    }

    /// <summary>The measure.</summary>
    public BaseDistance Distance { get; }

    /// <summary>Cross-validation folds.</summary>
    public int Folds { get; }

    /// <summary>Seed of the fold assignment.</summary>
    public int Seed { get; }

    /// <summary>Cap on the number of pairs of <c>EvaluateAllPairs</c>.</summary>
    public int MaxPairs { get; }

    /// <summary>All pairs of distinct items (i &lt; j) of <paramref name="embeddings"/>; same = same label.</summary>
    /// <remarks>When N(N−1)/2 exceeds <see cref="MaxPairs"/>, <see cref="MaxPairs"/> distinct pairs are drawn uniformly with <see cref="Seed"/>.</remarks>
    public VerificationMetrics EvaluateAllPairs(Tensor embeddings, long[] labels)
    {
        var (values, same, order) = AllPairs(embeddings, labels);
        return Compute(values, same, order);
    }

    /// <summary>
    /// The ROC curve (downsampled as <see cref="EvaluateAllPairs(Tensor, long[])"/>'s), AUC and TAR at FAR = 1e-3 of the same pairs,
    /// without the cross-validated accuracy and the best threshold: two sorts of the pair scores instead of about
    /// fourteen, for a report that draws only the curve.
    /// </summary>
    internal (double[] Fpr, double[] Tpr, double Auc, double TarAtFar1e3) RocAllPairs(Tensor embeddings, long[] labels)
    {
        var (values, same, _) = AllPairs(embeddings, labels);
        var scores = Scores(values);
        var sorted = VerificationMath.SortedDescending(scores); // one sort for the curve and the AUC
        var (fpr, tpr, _) = VerificationMath.Roc(scores, same, sorted);
        var (x, y) = VerificationMath.Downsample(fpr, tpr, MaxCurvePoints);
        return (x, y, VerificationMath.RocAuc(scores, same, sorted), VerificationMath.TarAtFar(fpr, tpr, Far));
    }

    /// <summary>The pair values of <see cref="EvaluateAllPairs(Tensor, long[])"/>, whether each pair is of one class, and the seeded fold order.</summary>
    private (double[] Values, bool[] Same, int[] Order) AllPairs(Tensor embeddings, long[] labels)
    {
        Guard.Embeddings(embeddings, nameof(embeddings));
        Guard.NotNull(labels, nameof(labels));
        long n = embeddings.shape[0];
        if (labels.Length != n)
            throw new ArgumentException($"'{nameof(labels)}' has {labels.Length} entries but '{nameof(embeddings)}' has {n} rows.", nameof(labels));
        return Pairs(embeddings, (i, j) => labels[i] == labels[j]);
    }

    /// <summary>
    /// All pairs of distinct items (i &lt; j) of <paramref name="embeddings"/>, row i being item i of
    /// <paramref name="relation"/>; same = j is a positive of i (multi-label data: <see cref="ItemRelation.SharedLabel"/>,
    /// the pair shares a label, the rule of the retrieval metrics). The same pairs as the labels overload.
    /// </summary>
    /// <remarks>When N(N−1)/2 exceeds <see cref="MaxPairs"/>, <see cref="MaxPairs"/> distinct pairs are drawn uniformly with <see cref="Seed"/>.</remarks>
    public VerificationMetrics EvaluateAllPairs(Tensor embeddings, ItemRelation relation)
    {
        Guard.Embeddings(embeddings, nameof(embeddings));
        Guard.NotNull(relation, nameof(relation));
        var (values, same, order) = Pairs(embeddings, (i, j) => relation.Positive((int)i, (int)j));
        return Compute(values, same, order);
    }

    /// <summary>The pairs (all, or <see cref="MaxPairs"/> drawn with <see cref="Seed"/>), their values, whether each is positive, and the seeded fold order.</summary>
    private (double[] Values, bool[] Same, int[] Order) Pairs(Tensor embeddings, Func<long, long, bool> positive)
    {
        long n = embeddings.shape[0];
        if (n < 2) throw new ArgumentException($"'{nameof(embeddings)}' needs at least 2 rows to form a pair, got {n}.", nameof(embeddings));
        var rng = new Random(Seed);
        long total = n * (n - 1) / 2;
        var first = new List<long>(total <= MaxPairs ? (int)total : MaxPairs);
        var second = new List<long>(first.Capacity);
        if (total <= MaxPairs)
        {
            for (long i = 0; i < n; i++)
                for (long j = i + 1; j < n; j++)
                {
                    first.Add(i);
                    second.Add(j);
                }
        }
        else
        {
            // Drawn pairs are remembered in a bit per (i, j) when that fits in 64 MiB (the report's 2,000 items: 0.5 MiB),
            // else in a hash set; the same draws either way.
            var bits = n * n <= 1L << 29 ? new System.Collections.BitArray((int)(n * n)) : null;
            var seen = bits is null ? new HashSet<long>(MaxPairs) : null;
            while (first.Count < MaxPairs)
            {
                long i = rng.NextInt64(n), j = rng.NextInt64(n);
                if (i == j) continue;
                if (i > j) (i, j) = (j, i);
                long key = i * n + j;
                if (bits is not null)
                {
                    if (bits[(int)key]) continue;
                    bits[(int)key] = true;
                }
                else if (!seen!.Add(key)) continue;
                first.Add(i);
                second.Add(j);
            }
        }
        var same = new bool[first.Count];
        for (int p = 0; p < same.Length; p++) same[p] = positive(first[p], second[p]);
        var order = Enumerable.Range(0, same.Length).ToArray();
        rng.Shuffle(order);
        using var scope = NewDisposeScope();
        return (PairValues(embeddings, embeddings, first.ToArray(), second.ToArray()), same, order);
    }

    /// <summary>Explicit pairs: row i of <paramref name="first"/> against row i of <paramref name="second"/>; folds follow the pairs' order.</summary>
    public VerificationMetrics EvaluatePairs(Tensor first, Tensor second, bool[] same)
    {
        Guard.Embeddings(first, nameof(first));
        Guard.Embeddings(second, nameof(second));
        Guard.NotNull(same, nameof(same));
        if (!first.shape.SequenceEqual(second.shape))
            throw new ArgumentException($"'{nameof(second)}' has shape [{string.Join(", ", second.shape)}] but '{nameof(first)}' has [{string.Join(", ", first.shape)}].", nameof(second));
        if (same.Length != first.shape[0])
            throw new ArgumentException($"'{nameof(same)}' has {same.Length} entries but there are {first.shape[0]} pairs.", nameof(same));
        var rows = Enumerable.Range(0, same.Length).Select(i => (long)i).ToArray();
        using var scope = NewDisposeScope();
        var values = PairValues(first, second, rows, rows);
        return Compute(values, same, Enumerable.Range(0, same.Length).ToArray());
    }

    /// <summary>The measure between rows a[i] and b[j] of each pair, in float64: the built-in measures in one host pass, a custom one in torch chunks.</summary>
    private double[] PairValues(Tensor a, Tensor b, long[] ia, long[] ib)
    {
        using var noGrad = torch.no_grad();
        // Prepared (normalised where the measure asks) once, in float64; then each pair in one fixed summation order, so
        // all-pairs and explicit-pairs evaluations give a pair the same value.
        var x = Distance.Prepare(a.detach().to_type(ScalarType.Float64));
        var y = ReferenceEquals(a, b) ? x : Distance.Prepare(b.detach().to_type(ScalarType.Float64));
        if (HostPairValues.Supports(Distance.Kind) && x.numel() <= int.MaxValue && y.numel() <= int.MaxValue)
        {
            var hx = HostRows(x);
            return HostPairValues.Compute(Distance.Kind, hx, ReferenceEquals(x, y) ? hx : HostRows(y), (int)x.shape[1], ia, ib, HostTensor.Threads);
        }
        var result = new double[ia.Length];
        const int chunk = 1 << 16;
        for (int s = 0; s < ia.Length; s += chunk)
        {
            using var cs = NewDisposeScope();
            int len = Math.Min(chunk, ia.Length - s);
            var xa = x.index_select(0, torch.tensor(ia.AsSpan(s, len).ToArray(), device: x.device));
            var yb = y.index_select(0, torch.tensor(ib.AsSpan(s, len).ToArray(), device: y.device));
            var v = Distance.PairwisePrepared(xa, yb);
            v.to_type(ScalarType.Float64).cpu().data<double>().CopyTo(result, s);
        }
        return result;
    }

    private static double[] HostRows(Tensor t) => t.cpu().contiguous().data<double>().ToArray();

    /// <summary>Scores: larger = more likely the same.</summary>
    private double[] Scores(double[] values) => Distance.IsInverted ? values : values.Select(v => -v).ToArray();

    private VerificationMetrics Compute(double[] values, bool[] same, int[] order)
    {
        var scores = Scores(values);
        var sorted = VerificationMath.SortedDescending(scores); // one sort for the AUC and the curve
        double auc = VerificationMath.RocAuc(scores, same, sorted);
        var (fpr, tpr, _) = VerificationMath.Roc(scores, same, sorted);
        double tar = VerificationMath.TarAtFar(fpr, tpr, Far);
        var (mean, std) = VerificationMath.CrossValidatedAccuracy(scores, same, order, Folds);
        var (t, _) = VerificationMath.BestThreshold(scores, same, Enumerable.Range(0, scores.Length).ToArray());
        var (x, y) = VerificationMath.Downsample(fpr, tpr, MaxCurvePoints);
        return new VerificationMetrics(auc, tar, mean, std, Distance.IsInverted ? t : -t, same.LongLength, x, y);
    }
}
