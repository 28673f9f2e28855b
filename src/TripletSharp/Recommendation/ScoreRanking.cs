namespace TripletSharp.Recommendation;

/// <summary>Top-k of one user's item scores, seen items left out; ties go to the lower item index (deterministic).</summary>
internal static class ScoreRanking
{
    public static int[] TopK(double[] scores, int k, int[] exclude)
    {
        var excluded = new HashSet<int>(exclude);
        // A bounded heap keyed by (score, -index): the root is the worst of the kept k.
        var heap = new PriorityQueue<int, (double Score, int NegIndex)>();
        for (int i = 0; i < scores.Length; i++)
        {
            if (excluded.Contains(i)) continue;
            var key = (scores[i], -i);
            if (heap.Count < k) heap.Enqueue(i, key);
            else if (heap.TryPeek(out _, out var worst) && key.CompareTo(worst) > 0) heap.EnqueueDequeue(i, key);
        }
        var result = new int[heap.Count];
        for (int r = result.Length - 1; r >= 0; r--) result[r] = heap.Dequeue();
        return result;
    }
}
