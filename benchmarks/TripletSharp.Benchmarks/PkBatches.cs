using TripletSharp.Sampling;

namespace TripletSharp.Benchmarks;

/// <summary>
/// An endless stream of P×K batches of dataset indices: the library's <see cref="ClassBalancedSampler"/>, or, until
/// it is implemented, a plain local P×K draw (P random classes, K random items each).
/// </summary>
internal sealed class PkBatches
{
    private readonly IEnumerator<int[]> _batches;

    public PkBatches(long[] labels, int p, int k, int seed)
    {
        try
        {
            var sampler = new ClassBalancedSampler(labels, p, k, seed);
            _batches = Library(sampler).GetEnumerator();
            Description = "ClassBalancedSampler";
        }
        catch (NotImplementedException)
        {
            _batches = Local(labels, p, k, seed).GetEnumerator();
            Description = "local P×K draw (ClassBalancedSampler not implemented yet)";
        }
    }

    public string Description { get; }

    public int[] Next()
    {
        _batches.MoveNext();
        return _batches.Current;
    }

    private static IEnumerable<int[]> Library(ClassBalancedSampler sampler)
    {
        for (int epoch = 0; ; epoch++)
            foreach (var b in sampler.GetEpoch(epoch)) yield return b;
    }

    private static IEnumerable<int[]> Local(long[] labels, int p, int k, int seed)
    {
        var rng = new Random(seed);
        var byClass = labels.Select((l, i) => (l, i)).GroupBy(t => t.l).Select(g => g.Select(t => t.i).ToArray()).ToArray();
        while (true)
        {
            var batch = new int[p * k];
            int at = 0;
            foreach (var members in byClass.OrderBy(_ => rng.Next()).Take(p))
                for (int j = 0; j < k; j++) batch[at++] = members[rng.Next(members.Length)];
            yield return batch;
        }
    }
}
