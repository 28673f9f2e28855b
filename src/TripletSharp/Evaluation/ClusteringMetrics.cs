namespace TripletSharp.Evaluation;

/// <summary>Scores that compare a clustering with the true classes.</summary>
internal static class ClusteringMetrics
{
    /// <summary>
    /// Normalised mutual information I(U;V) / ((H(U) + H(V)) / 2), natural logarithms, as scikit-learn's
    /// <c>normalized_mutual_info_score</c> with its default <c>average_method='arithmetic'</c>: 1 when both
    /// labelings have a single group, 0 when the mutual information is 0.
    /// </summary>
    /// <param name="labels">True class of every item.</param>
    /// <param name="clusters">Cluster of every item.</param>
    public static double NormalizedMutualInformation(IReadOnlyList<long> labels, IReadOnlyList<long> clusters)
    {
        Guard.NotNull(labels, nameof(labels));
        Guard.NotNull(clusters, nameof(clusters));
        if (labels.Count != clusters.Count)
            throw new ArgumentException($"'{nameof(clusters)}' has {clusters.Count} entries but '{nameof(labels)}' has {labels.Count}.", nameof(clusters));
        int n = labels.Count;
        var joint = new Dictionary<(long, long), long>();
        var a = new Dictionary<long, long>();
        var b = new Dictionary<long, long>();
        for (int i = 0; i < n; i++)
        {
            var key = (labels[i], clusters[i]);
            joint[key] = joint.GetValueOrDefault(key) + 1;
            a[labels[i]] = a.GetValueOrDefault(labels[i]) + 1;
            b[clusters[i]] = b.GetValueOrDefault(clusters[i]) + 1;
        }
        if (a.Count == b.Count && (a.Count == 1 || a.Count == 0)) return 1.0;
        double mi = 0;
        foreach (var ((u, v), nij) in joint)
            mi += (double)nij / n * Math.Log((double)n * nij / ((double)a[u] * b[v]));
        mi = Math.Max(mi, 0);
        if (mi == 0) return 0.0;
        double hu = Entropy(a.Values, n), hv = Entropy(b.Values, n);
        double normalizer = Math.Max((hu + hv) / 2, double.Epsilon);
        return mi / normalizer;
    }

    private static double Entropy(IEnumerable<long> counts, int n)
    {
        double h = 0;
        foreach (var c in counts)
        {
            double p = (double)c / n;
            h -= p * Math.Log(p);
        }
        return h;
    }
}
