namespace TripletSharp.Sampling;

/// <summary>
/// Batches from explicit tuples (PML's <c>FixedSetOfTriplets</c>, with mining on top): each batch holds whole tuples,
/// as many as fit in <see cref="BatchRows"/> rows (two rows for a tuple without a negative, three with one), in a
/// seeded order that depends only on (seed, epoch). Class labels play no part.
/// </summary>
public sealed class TupleBatchSampler
{
    private readonly int[] _anchors, _positives, _negatives, _groups;
    private readonly int _seed;

    /// <summary>Creates a sampler over the training tuples.</summary>
    /// <param name="anchors">Dataset index of every tuple's anchor.</param>
    /// <param name="positives">Dataset index of every tuple's positive.</param>
    /// <param name="negatives">Dataset index of every tuple's negative, −1 for none.</param>
    /// <param name="itemCount">Number of items of the dataset.</param>
    /// <param name="batchRows">Most rows per batch (at least 3).</param>
    /// <param name="seed">Seed; with the epoch it fixes every batch.</param>
    /// <param name="batchesPerEpoch">Batches per epoch; by default one pass over the tuples' rows.</param>
    /// <exception cref="ArgumentException">No tuples, arrays of different lengths, an index outside the dataset, a tuple using one item twice, or batchRows &lt; 3.</exception>
    public TupleBatchSampler(int[] anchors, int[] positives, int[] negatives, int itemCount, int batchRows, int seed = 0, int? batchesPerEpoch = null)
    {
        Guard.NotNull(anchors, nameof(anchors));
        Guard.NotNull(positives, nameof(positives));
        Guard.NotNull(negatives, nameof(negatives));
        Guard.Positive(itemCount, nameof(itemCount));
        if (anchors.Length == 0) throw new ArgumentException("There are no training tuples.", nameof(anchors));
        if (positives.Length != anchors.Length || negatives.Length != anchors.Length)
            throw new ArgumentException($"The tuple arrays differ in length ({anchors.Length}, {positives.Length}, {negatives.Length}).", nameof(positives));
        if (batchRows < 3) throw new ArgumentOutOfRangeException(nameof(batchRows), batchRows, $"'{nameof(batchRows)}' must be >= 3 (a tuple takes up to three rows), got {batchRows}.");
        if (batchesPerEpoch is int bpe) Guard.Positive(bpe, nameof(batchesPerEpoch));
        var parent = Enumerable.Range(0, itemCount).ToArray();
        int Root(int x)
        {
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        }
        long rows = 0;
        for (int t = 0; t < anchors.Length; t++)
        {
            int a = anchors[t], p = positives[t], n = negatives[t];
            if (a < 0 || a >= itemCount || p < 0 || p >= itemCount || n < -1 || n >= itemCount)
                throw new ArgumentException($"Tuple {t} ({a}, {p}, {n}) has an index outside [0, {itemCount}).", nameof(anchors));
            if (a == p || a == n || p == n)
                throw new ArgumentException($"Tuple {t} ({a}, {p}, {n}) uses one item twice.", nameof(anchors));
            parent[Root(a)] = Root(p);
            rows += n < 0 ? 2 : 3;
        }
        _groups = new int[itemCount];
        for (int i = 0; i < itemCount; i++) _groups[i] = Root(i);
        _anchors = (int[])anchors.Clone();
        _positives = (int[])positives.Clone();
        _negatives = (int[])negatives.Clone();
        _seed = seed;
        BatchRows = batchRows;
        BatchesPerEpoch = batchesPerEpoch ?? ClassBalancedSampler.DefaultBatchesPerEpoch(rows, batchRows);
    }

    /// <summary>Most rows per batch.</summary>
    public int BatchRows { get; }

    /// <summary>Batches in one epoch.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>Number of training tuples.</summary>
    public int TupleCount => _anchors.Length;

    /// <summary>The batches of one epoch; the same for the same seed and epoch. Tuples are visited in a shuffled cycle, reshuffled when it ends.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    public IEnumerable<TupleBatch> GetEpoch(int epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, $"'{nameof(epoch)}' must be >= 0, got {epoch}.");
        return Generate(epoch);
    }

    private IEnumerable<TupleBatch> Generate(int epoch)
    {
        var random = new Random(unchecked(_seed * 1_000_003 + epoch * 7919 + 17));
        var order = Enumerable.Range(0, _anchors.Length).ToArray();
        random.Shuffle(order);
        int cursor = 0;
        var items = new List<int>();
        List<int> a = new(), p = new(), n = new();
        var labels = new List<long>();
        for (int b = 0; b < BatchesPerEpoch; b++)
        {
            items.Clear(); a.Clear(); p.Clear(); n.Clear(); labels.Clear();
            long slot = 0;
            while (true)
            {
                if (cursor == order.Length)
                {
                    random.Shuffle(order);
                    cursor = 0;
                }
                int t = order[cursor];
                int need = _negatives[t] < 0 ? 2 : 3;
                if (items.Count + need > BatchRows) break;
                cursor++;
                long own = slot++;
                a.Add(items.Count); items.Add(_anchors[t]); labels.Add(own);
                p.Add(items.Count); items.Add(_positives[t]); labels.Add(own);
                if (_negatives[t] < 0) n.Add(-1);
                else { n.Add(items.Count); items.Add(_negatives[t]); labels.Add(slot++); }
            }
            var rows = items.ToArray();
            yield return new TupleBatch(rows, a.ToArray(), p.ToArray(), n.ToArray(), rows.Select(i => _groups[i]).ToArray(), labels.ToArray());
        }
    }
}
