namespace TripletSharp.Evaluation;

/// <summary>
/// Verification statistics on pair scores where larger = more likely "same" (the negated distance, or the
/// similarity). A threshold t accepts the pairs with score ≥ t, so tied scores are always accepted together.
/// </summary>
internal static class VerificationMath
{
    /// <summary>Area under the ROC curve: P(score⁺ &gt; score⁻) + ½·P(score⁺ = score⁻) (Mann-Whitney U / (P·N)).</summary>
    public static double RocAuc(double[] scores, bool[] same) => RocAuc(scores, same, SortedDescending(scores));

    /// <summary><see cref="RocAuc(double[], bool[])"/> with the scores' descending order already computed (<see cref="SortedDescending"/>; ties in any order).</summary>
    public static double RocAuc(double[] scores, bool[] same, int[] order)
    {
        long pos = same.LongCount(s => s), neg = same.Length - pos;
        if (pos == 0 || neg == 0) return double.NaN;
        // Walk groups of tied scores from the top: each positive beats the negatives below it, ties count ½.
        double u = 0;
        long negAbove = 0;
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            long p = 0, n = 0;
            for (; j < order.Length && scores[order[j]] == scores[order[i]]; j++)
                if (same[order[j]]) p++; else n++;
            u += p * (neg - negAbove - n) + 0.5 * p * n;
            negAbove += n;
            i = j;
        }
        return u / ((double)pos * neg);
    }

    /// <summary>
    /// ROC points (FPR, TPR) for every distinct threshold from strictest to most lenient, starting at (0, 0) and
    /// ending at (1, 1); and the score threshold of each point (+∞ for the first).
    /// </summary>
    public static (double[] Fpr, double[] Tpr, double[] Thresholds) Roc(double[] scores, bool[] same) => Roc(scores, same, SortedDescending(scores));

    /// <summary><see cref="Roc(double[], bool[])"/> with the scores' descending order already computed (<see cref="SortedDescending"/>; ties in any order).</summary>
    public static (double[] Fpr, double[] Tpr, double[] Thresholds) Roc(double[] scores, bool[] same, int[] order)
    {
        long pos = same.LongCount(s => s), neg = same.Length - pos;
        var fpr = new List<double>(order.Length + 1) { 0 };
        var tpr = new List<double>(order.Length + 1) { 0 };
        var thr = new List<double>(order.Length + 1) { double.PositiveInfinity };
        long tp = 0, fp = 0;
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            for (; j < order.Length && scores[order[j]] == scores[order[i]]; j++)
                if (same[order[j]]) tp++; else fp++;
            fpr.Add(neg > 0 ? (double)fp / neg : double.NaN);
            tpr.Add(pos > 0 ? (double)tp / pos : double.NaN);
            thr.Add(scores[order[i]]);
            i = j;
        }
        return (fpr.ToArray(), tpr.ToArray(), thr.ToArray());
    }

    /// <summary>The highest TPR among thresholds whose FPR ≤ <paramref name="far"/> (0 when only "accept none" qualifies).</summary>
    public static double TarAtFar(double[] scores, bool[] same, double far)
    {
        var (fpr, tpr, _) = Roc(scores, same);
        return TarAtFar(fpr, tpr, far);
    }

    /// <summary>The highest TPR among the points of a curve from <see cref="Roc(double[], bool[])"/> whose FPR ≤ <paramref name="far"/>.</summary>
    public static double TarAtFar(double[] fpr, double[] tpr, double far)
    {
        if (double.IsNaN(fpr[^1]) || double.IsNaN(tpr[^1])) return double.NaN;
        double best = 0;
        for (int i = 0; i < fpr.Length; i++)
            if (fpr[i] <= far) best = Math.Max(best, tpr[i]);
        return best;
    }

    /// <summary>
    /// The threshold with the best accuracy on the given pairs, among "accept none" (+∞), "accept all" (−∞) and the
    /// midpoints between consecutive distinct scores; on equal accuracy, the strictest (largest) threshold.
    /// </summary>
    public static (double Threshold, double Accuracy) BestThreshold(double[] scores, bool[] same, IReadOnlyList<int> subset)
    {
        var idx = subset.OrderByDescending(i => scores[i]).ToArray();
        long pos = idx.LongCount(i => same[i]);
        int n = idx.Length;
        // Accept none: correct = the negatives.
        long correct = n - pos, bestCorrect = correct;
        double best = double.PositiveInfinity;
        for (int i = 0; i < n;)
        {
            int j = i;
            for (; j < n && scores[idx[j]] == scores[idx[i]]; j++)
                correct += same[idx[j]] ? 1 : -1;
            if (correct > bestCorrect)
            {
                bestCorrect = correct;
                best = j < n ? Between(scores[idx[j]], scores[idx[i]]) : double.NegativeInfinity;
            }
            i = j;
        }
        return (best, n > 0 ? (double)bestCorrect / n : double.NaN);
    }

    /// <summary>A threshold t with lower &lt; t ≤ upper: the midpoint, or upper when no double lies strictly between.</summary>
    private static double Between(double lower, double upper)
    {
        double mid = lower + (upper - lower) / 2;
        return mid > lower && mid <= upper ? mid : upper;
    }

    /// <summary>Accuracy of <paramref name="threshold"/> on a subset of pairs.</summary>
    public static double Accuracy(double[] scores, bool[] same, IReadOnlyList<int> subset, double threshold)
    {
        if (subset.Count == 0) return double.NaN;
        long correct = 0;
        foreach (int i in subset)
            if ((scores[i] >= threshold) == same[i]) correct++;
        return (double)correct / subset.Count;
    }

    /// <summary>
    /// LFW-style cross-validated accuracy: <paramref name="folds"/> contiguous folds over <paramref name="order"/>
    /// (sizes differing by at most one, the first ones larger), the threshold chosen on the other folds and measured
    /// on the held-out one. Returns the mean and population standard deviation over the folds.
    /// </summary>
    public static (double Mean, double Std) CrossValidatedAccuracy(double[] scores, bool[] same, int[] order, int folds)
    {
        int n = order.Length;
        folds = Math.Min(folds, n);
        if (folds < 2) return (double.NaN, double.NaN);
        var acc = new double[folds];
        int start = 0;
        for (int f = 0; f < folds; f++)
        {
            int size = n / folds + (f < n % folds ? 1 : 0);
            var test = order.Skip(start).Take(size).ToArray();
            var train = order.Take(start).Concat(order.Skip(start + size)).ToArray();
            var (t, _) = BestThreshold(scores, same, train);
            acc[f] = Accuracy(scores, same, test, t);
            start += size;
        }
        double mean = acc.Average();
        double std = Math.Sqrt(acc.Select(a => (a - mean) * (a - mean)).Average());
        return (mean, std);
    }

    /// <summary>At most <paramref name="max"/> points of a curve, evenly spaced by index, first and last kept.</summary>
    public static (double[] X, double[] Y) Downsample(double[] x, double[] y, int max)
    {
        if (x.Length <= max) return (x, y);
        var xs = new double[max];
        var ys = new double[max];
        for (int i = 0; i < max; i++)
        {
            long j = (long)i * (x.Length - 1) / (max - 1);
            xs[i] = x[j];
            ys[i] = y[j];
        }
        return (xs, ys);
    }

    /// <summary>Indices of <paramref name="scores"/> from the largest score to the smallest (tied scores in index order).</summary>
    /// <remarks>
    /// A stable least-significant-digit radix sort of the scores' bits (11 bits a pass; passes in which every key has
    /// the same digit are skipped): a million pair scores sort in a few passes over memory instead of a comparison sort.
    /// NaN scores fall back to the comparison sort, which puts them first.
    /// </remarks>
    public static int[] SortedDescending(double[] scores)
    {
        int n = scores.Length;
        var order = new int[n];
        var keys = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            if (double.IsNaN(scores[i])) return ComparisonSortedDescending(scores);
            // The bits with the sign flipped (negatives: all bits flipped) ascend with the double; the complement
            // descends. -0 and +0 get neighbouring keys, so equal scores stay together.
            ulong b = (ulong)BitConverter.DoubleToInt64Bits(scores[i]);
            keys[i] = ~((b >> 63) != 0 ? ~b : b ^ 0x8000_0000_0000_0000UL);
            order[i] = i;
        }
        return RadixSort(keys, order);
    }

    private static int[] ComparisonSortedDescending(double[] scores)
    {
        var order = Enumerable.Range(0, scores.Length).ToArray();
        var keys = scores.Select(s => -s).ToArray();
        Array.Sort(keys, order);
        return order;
    }

    /// <summary>The <paramref name="items"/> in the ascending, stable order of their <paramref name="keys"/> (both arrays are reused).</summary>
    private static int[] RadixSort(ulong[] keys, int[] items)
    {
        const int bits = 11, buckets = 1 << bits;
        int n = keys.Length;
        var keys2 = new ulong[n];
        var items2 = new int[n];
        var count = new int[buckets];
        for (int shift = 0; shift < 64 && n > 1; shift += bits)
        {
            Array.Clear(count);
            foreach (var k in keys) count[(int)(k >> shift) & (buckets - 1)]++;
            if (count[(int)(keys[0] >> shift) & (buckets - 1)] == n) continue; // one digit for all: nothing moves
            for (int d = 0, sum = 0; d < buckets; d++) (count[d], sum) = (sum, sum + count[d]);
            for (int i = 0; i < n; i++)
            {
                int pos = count[(int)(keys[i] >> shift) & (buckets - 1)]++;
                keys2[pos] = keys[i];
                items2[pos] = items[i];
            }
            (keys, keys2) = (keys2, keys);
            (items, items2) = (items2, items);
        }
        return items;
    }
}
