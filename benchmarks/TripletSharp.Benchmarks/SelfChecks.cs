using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>
/// The benchmark's own references are checked before use against plain double-precision loops on small
/// seeded inputs (with duplicated embeddings and a lone class), so a correctness check that compares the
/// engine with them means something.
/// </summary>
internal static class SelfChecks
{
    /// <summary>Naive batch-all and margin-band semi-hard against triple loops; returns a failure text or null.</summary>
    public static string? NaiveLoss()
    {
        using var scope = NewDisposeScope();
        const int b = 41;
        var x = SyntheticData.NormalizedEmbeddings(b, 8, seed: 5);
        x[3] = x[2].clone(); // a duplicate
        var labelList = Enumerable.Range(0, b).Select(i => (long)(i % 5)).ToArray();
        labelList[b - 1] = 99; // a lone class
        var labels = tensor(labelList);
        float[] xf = x.data<float>().ToArray();
        int d = 8;
        var dist = new double[b, b];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < b; j++)
            {
                double s = 0;
                for (int c = 0; c < d; c++) { double t = xf[i * d + c] - xf[j * d + c]; s += t * t; }
                dist[i, j] = Math.Sqrt(s);
            }
        const double m = LossSuite.Margin;
        double Reference(bool semihard)
        {
            double sum = 0; long positive = 0;
            for (int a = 0; a < b; a++)
                for (int p = 0; p < b; p++)
                {
                    if (p == a || labelList[p] != labelList[a]) continue;
                    for (int n = 0; n < b; n++)
                    {
                        if (labelList[n] == labelList[a]) continue;
                        double delta = dist[a, n] - dist[a, p];
                        if (semihard && !(delta > 0 && delta <= m)) continue;
                        double l = Math.Max(0, -delta + m);
                        if (l > 0) { sum += l; positive++; }
                    }
                }
            return positive == 0 ? 0 : sum / positive;
        }
        double all = NaiveTripletLoss.BatchAll(x, labels, m).item<float>();
        double semi = NaiveTripletLoss.SemiHard(x, labels, m).item<float>();
        double ra = Reference(false), rs = Reference(true);
        if (Math.Abs(all - ra) > 1e-5 * Math.Max(1, Math.Abs(ra))) return $"naive batch-all {all:G7} ≠ loop reference {ra:G7}";
        if (Math.Abs(semi - rs) > 1e-5 * Math.Max(1, Math.Abs(rs))) return $"naive semi-hard {semi:G7} ≠ loop reference {rs:G7}";
        return null;
    }

    /// <summary>Streamed <see cref="MapAtR"/> against a per-query loop; returns a failure text or null.</summary>
    public static string? MapAtRStreamed()
    {
        using var scope = NewDisposeScope();
        const int n = 203;
        var (emb, labels) = SyntheticData.ClusteredEmbeddings(n, 4, 5, seed: 9);
        labels[n - 1] = 77; // lone query: skipped
        float[] e = emb.data<float>().ToArray();
        var counts = labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        int k = counts.Values.Max();
        var neighbours = new long[n, k];
        double apSum = 0; int queries = 0;
        for (int q = 0; q < n; q++)
        {
            var order = Enumerable.Range(0, n).OrderBy(j =>
            {
                double s = 0;
                for (int c = 0; c < 4; c++) { double t = e[q * 4 + c] - e[j * 4 + c]; s += t * t; }
                return s;
            }).ThenBy(j => j).Take(k).ToArray();
            for (int j = 0; j < k; j++) neighbours[q, j] = order[j];
            int r = counts[labels[q]] - 1;
            if (r == 0) continue;
            var list = order.Where(j => j != q).Take(r).ToArray();
            double ap = 0; int hits = 0;
            for (int i = 0; i < list.Length; i++)
                if (labels[list[i]] == labels[q]) { hits++; ap += (double)hits / (i + 1); }
            apSum += ap / r;
            queries++;
        }
        double expected = apSum / queries;
        var streamed = new MapAtR(labels);
        var all = tensor(neighbours);
        for (int s = 0; s < n; s += 50)
            streamed.Add(s, all.narrow(0, s, Math.Min(50, n - s)));
        return Math.Abs(streamed.Value - expected) > 1e-9 ? $"streamed MAP@R {streamed.Value:G9} ≠ loop reference {expected:G9}" : null;
    }
}
