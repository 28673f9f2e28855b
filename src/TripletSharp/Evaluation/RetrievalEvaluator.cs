using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Mining;
using TripletSharp.Search;
using static TorchSharp.torch;

namespace TripletSharp.Evaluation;

/// <summary>Computes <see cref="RetrievalMetrics"/> on embeddings with exact blocked nearest neighbours.</summary>
public sealed class RetrievalEvaluator
{
    /// <summary>Creates the evaluator.</summary>
    /// <param name="distance">Measure (Euclidean when null).</param>
    /// <param name="knnK">k of the k-NN majority vote.</param>
    /// <param name="seed">Seed of the k-means behind NMI.</param>
    /// <param name="computeNmi">Whether to run k-means for NMI (NaN when off).</param>
    /// <param name="blockSize">Queries per nearest-neighbour block.</param>
    public RetrievalEvaluator(BaseDistance? distance = null, int knnK = 5, int seed = 0, bool computeNmi = true, int blockSize = 4096)
    {
        Guard.Positive(knnK, nameof(knnK));
        Guard.Positive(blockSize, nameof(blockSize));
        Distance = distance ?? new EuclideanDistance();
        KnnK = knnK;
        Seed = seed;
        ComputeNmi = computeNmi;
        BlockSize = blockSize;
    }

    /// <summary>The measure.</summary>
    public BaseDistance Distance { get; }

    /// <summary>k of the k-NN vote.</summary>
    public int KnnK { get; }

    /// <summary>Seed of k-means.</summary>
    public int Seed { get; }

    /// <summary>Whether NMI is computed.</summary>
    public bool ComputeNmi { get; }

    /// <summary>Queries per block.</summary>
    public int BlockSize { get; }

    /// <summary>Evaluates N×D <paramref name="embeddings"/> with their class <paramref name="labels"/>.</summary>
    /// <remarks>
    /// Query = reference = the whole set; each query's own row is excluded by index (never by zero distance, so
    /// duplicates of a query count as neighbours). R = number of other items of the query's class; queries with
    /// R = 0 (lone) are skipped by every k-NN metric (NaN when all are lone). Neighbours come from one exact
    /// blocked search with k = max(R_max, 8, knnK) (capped at N − 1), ties in distance ordered by lower index.
    /// <list type="bullet">
    /// <item><c>precision_at_1</c>: mean of [label(NN₁) = label(q)].</item>
    /// <item><c>r_precision</c>: mean of (same-class hits among the first R) / R.</item>
    /// <item><c>map_at_r</c>: mean of (1/R) Σ_{i≤R} P@i·rel(i) (Musgrave et al. 2020, PML's AccuracyCalculator).</item>
    /// <item><c>recall_at_k</c> (k = 1, 2, 4, 8): fraction of queries with a same-class item among the first k.</item>
    /// <item><c>knn_accuracy</c>: the majority class of the first knnK neighbours is the query's class; a tie in
    /// votes goes to the tied class whose first member is nearest.</item>
    /// <item><c>nmi</c>: <see cref="ClusteringMetrics.NormalizedMutualInformation"/> (arithmetic mean, as scikit-learn's
    /// default) between the classes and <see cref="KMeans"/> with as many clusters as classes, seeded with
    /// <see cref="Seed"/>, on all items (lone ones included), L2-normalised first when the measure normalises.</item>
    /// </list>
    /// </remarks>
    public RetrievalMetrics Evaluate(Tensor embeddings, long[] labels)
    {
        Guard.Embeddings(embeddings, nameof(embeddings));
        Guard.NotNull(labels, nameof(labels));
        int n = (int)embeddings.shape[0];
        if (labels.Length != n)
            throw new ArgumentException($"'{nameof(labels)}' has {labels.Length} entries but '{nameof(embeddings)}' has {n} rows.", nameof(labels));
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();

        var classOf = new Dictionary<long, int>();
        var dense = new long[n];
        var sizes = new List<long>();
        for (int i = 0; i < n; i++)
        {
            if (!classOf.TryGetValue(labels[i], out int c))
            {
                c = classOf.Count;
                classOf[labels[i]] = c;
                sizes.Add(0);
            }
            dense[i] = c;
            sizes[c]++;
        }
        var r = new long[n];
        long rMax = 0, queries = 0;
        for (int i = 0; i < n; i++)
        {
            r[i] = sizes[(int)dense[i]] - 1;
            rMax = Math.Max(rMax, r[i]);
            if (r[i] > 0) queries++;
        }

        var acc = new RetrievalAccumulator(dense, r, KnnK);
        if (queries > 0)
        {
            int k = (int)Math.Min(n - 1, Math.Max(rMax, Math.Max(8, KnnK)));
            ExactKnn.SearchBlocks(embeddings, embeddings, k, block => acc.Add(block.Start, block.Indices), Distance, excludeSelf: true, blockSize: BlockSize);
        }

        double nmi = double.NaN;
        if (ComputeNmi)
        {
            var x = Distance.NormalizeEmbeddings ? nn.functional.normalize(embeddings.detach(), 2, 1) : embeddings;
            nmi = ClusteringMetrics.NormalizedMutualInformation(dense, KMeans.Cluster(x, classOf.Count, Seed));
        }
        return acc.Result(queries, nmi);
    }

    /// <summary>
    /// Evaluates N×D <paramref name="embeddings"/> whose relevance is a <paramref name="relation"/> over their indices
    /// 0..N−1 (multi-label data: <see cref="ItemRelation.SharedLabel"/>; an item is relevant to a query when it shares a
    /// label with it).
    /// </summary>
    /// <remarks>
    /// As <see cref="Evaluate(Tensor, long[])"/> with "same class" replaced by "a positive of the query": R = number of
    /// other items that are positives of the query (queries with none are skipped), <c>precision_at_1</c>,
    /// <c>r_precision</c>, <c>map_at_r</c> and <c>recall_at_k</c> count positives among the ranked neighbours. The k-NN
    /// vote and NMI assume one class per item and are NaN. R costs one <see cref="ItemRelation.PositiveCount"/> per query.
    /// </remarks>
    public RetrievalMetrics Evaluate(Tensor embeddings, ItemRelation relation)
    {
        Guard.Embeddings(embeddings, nameof(embeddings));
        Guard.NotNull(relation, nameof(relation));
        int n = (int)embeddings.shape[0];
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var r = new long[n];
        long rMax = 0, queries = 0;
        for (int i = 0; i < n; i++)
        {
            r[i] = relation.PositiveCount(i, n);
            rMax = Math.Max(rMax, r[i]);
            if (r[i] > 0) queries++;
        }
        var acc = new RetrievalAccumulator(new long[n], r, KnnK, relation);
        if (queries > 0)
        {
            int k = (int)Math.Min(n - 1, Math.Max(rMax, Math.Max(8, KnnK)));
            ExactKnn.SearchBlocks(embeddings, embeddings, k, block => acc.Add(block.Start, block.Indices), Distance, excludeSelf: true, blockSize: BlockSize);
        }
        return acc.Result(queries, double.NaN) with { Labels = relation.Name };
    }
}
