using TripletSharp.Evaluation;

namespace TripletSharp.Data;

/// <summary>
/// Explicit tuples over the items of a dataset (PML's <c>indices_tuple</c> / <c>FixedSetOfTriplets</c>): triplets
/// (anchor, positive, negative) or pairs (a, b, same), as item indices. Training takes batches from them instead of
/// from class labels; evaluation scores held-out ones.
/// </summary>
/// <remarks>
/// Checked when made: every index names an item, no tuple uses an item as its own negative, no positive is the anchor
/// itself. With <see cref="Lines"/> (a file's tuples) the messages name the file and line.
/// </remarks>
public sealed class TupleSet
{
    private readonly int[] _first, _second, _third;
    private readonly long[] _lines;

    private TupleSet(TupleKind kind, int itemCount, int[] first, int[] second, int[] third, long[]? lines, string? path)
    {
        Kind = kind;
        ItemCount = itemCount;
        _first = first;
        _second = second;
        _third = third;
        _lines = lines ?? Enumerable.Range(1, first.Length).Select(i => (long)i).ToArray();
        Path = path;
        for (int t = 0; t < first.Length; t++)
        {
            Check(first[t], t, "first");
            Check(second[t], t, "second");
            if (kind == TupleKind.Triplets) Check(third[t], t, "third");
            if (first[t] == second[t])
                throw Bad(t, kind == TupleKind.Triplets || third[t] == 1
                    ? $"the positive is the anchor itself (item {first[t]}): a tuple needs two different items"
                    : $"the anchor is its own negative (item {first[t]} paired with itself as 'not same')");
            if (kind == TupleKind.Triplets && first[t] == third[t]) throw Bad(t, $"the anchor is its own negative (item {first[t]})");
            if (kind == TupleKind.Triplets && second[t] == third[t]) throw Bad(t, $"the positive is also the negative (item {second[t]})");
        }
        if (kind == TupleKind.Pairs)
        {
            // A pair said to be both the same and not the same would become a triplet whose positive is its negative.
            var said = new Dictionary<(int, int), int>();
            for (int t = 0; t < first.Length; t++)
            {
                var key = (Math.Min(first[t], second[t]), Math.Max(first[t], second[t]));
                if (!said.TryAdd(key, t) && third[said[key]] != third[t])
                    throw Bad(t, $"items {first[t]} and {second[t]} are called {(third[t] == 1 ? "the same" : "not the same")} here but {(third[t] == 1 ? "not the same" : "the same")} {(path is null ? $"in tuple {said[key]}" : $"on line {_lines[said[key]]}")}");
            }
        }
    }

    /// <summary>Triplets or pairs.</summary>
    public TupleKind Kind { get; }

    /// <summary>Number of items the indices refer to (indices lie in [0, ItemCount)).</summary>
    public int ItemCount { get; }

    /// <summary>The file the tuples were read from, if any.</summary>
    public string? Path { get; }

    /// <summary>Number of tuples.</summary>
    public int Count => _first.Length;

    /// <summary>Anchors (triplets) or first items (pairs).</summary>
    public IReadOnlyList<int> First => _first;

    /// <summary>Positives (triplets) or second items (pairs).</summary>
    public IReadOnlyList<int> Second => _second;

    /// <summary>Negatives (triplets) or 1/0 for same/not same (pairs).</summary>
    public IReadOnlyList<int> Third => _third;

    /// <summary>The 1-based file line of every tuple (its position when not read from a file).</summary>
    public IReadOnlyList<long> Lines => _lines;

    /// <summary>Triplets over <paramref name="itemCount"/> items.</summary>
    /// <exception cref="ArgumentException">Arrays of different lengths, an index outside [0, itemCount), or a degenerate triplet.</exception>
    public static TupleSet FromTriplets(int[] anchors, int[] positives, int[] negatives, int itemCount) =>
        Create(TupleKind.Triplets, anchors, positives, negatives, itemCount, null, null);

    /// <summary>Pairs over <paramref name="itemCount"/> items.</summary>
    /// <exception cref="ArgumentException">Arrays of different lengths, an index outside [0, itemCount), or an item paired with itself.</exception>
    public static TupleSet FromPairs(int[] first, int[] second, bool[] same, int itemCount)
    {
        Guard.NotNull(same, nameof(same));
        return Create(TupleKind.Pairs, first, second, same.Select(s => s ? 1 : 0).ToArray(), itemCount, null, null);
    }

    internal static TupleSet Create(TupleKind kind, int[] first, int[] second, int[] third, int itemCount, long[]? lines, string? path)
    {
        Guard.NotNull(first, nameof(first));
        Guard.NotNull(second, nameof(second));
        Guard.NotNull(third, nameof(third));
        Guard.Positive(itemCount, nameof(itemCount));
        if (second.Length != first.Length || third.Length != first.Length)
            throw new ArgumentException($"The tuple arrays differ in length ({first.Length}, {second.Length}, {third.Length}).", nameof(second));
        return new TupleSet(kind, itemCount, first, second, third, lines, path);
    }

    /// <summary>The tuples at <paramref name="rows"/>, in that order.</summary>
    public TupleSet Subset(IReadOnlyList<int> rows)
    {
        Guard.NotNull(rows, nameof(rows));
        return new TupleSet(Kind, ItemCount, rows.Select(r => _first[r]).ToArray(), rows.Select(r => _second[r]).ToArray(),
            rows.Select(r => _third[r]).ToArray(), rows.Select(r => _lines[r]).ToArray(), Path);
    }

    /// <summary>
    /// Splits by tuple: a seeded random <paramref name="testFraction"/> of the tuples (rounded, at least one of each side
    /// when there are two or more tuples and the fraction is above 0) is held out; both sides keep file order.
    /// </summary>
    public (TupleSet Train, TupleSet Test) Split(double testFraction, int seed)
    {
        if (!(testFraction >= 0 && testFraction < 1)) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, $"'{nameof(testFraction)}' must be in [0, 1), got {testFraction}.");
        int n = Count, test = (int)Math.Round(n * testFraction);
        if (testFraction > 0 && n >= 2) test = Math.Clamp(test, 1, n - 1);
        var order = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(order);
        var held = order.Take(test).Order().ToArray();
        var kept = order.Skip(test).Order().ToArray();
        return (Subset(kept), Subset(held));
    }

    /// <summary>
    /// The training triplets, negative −1 where only mined negatives exist. Triplets are taken as they are. Pairs: each
    /// same=1 pair (a, b) gives (a, b, −1); each same=0 pair (a, n) gives (a, p, n) with p the next of a's same=1 partners
    /// in turn, else (n, p, a) with one of n's, else nothing (<paramref name="unused"/> counts those).
    /// </summary>
    public (int[] Anchors, int[] Positives, int[] Negatives) TrainingTriplets(out int unused)
    {
        unused = 0;
        if (Kind == TupleKind.Triplets) return ((int[])_first.Clone(), (int[])_second.Clone(), (int[])_third.Clone());
        var partners = new Dictionary<int, List<int>>();
        void Link(int x, int y)
        {
            if (!partners.TryGetValue(x, out var l)) partners[x] = l = new List<int>();
            l.Add(y);
        }
        for (int t = 0; t < Count; t++)
        {
            if (_third[t] != 1) continue;
            Link(_first[t], _second[t]);
            Link(_second[t], _first[t]);
        }
        var turn = new Dictionary<int, int>();
        int Next(int x)
        {
            var l = partners[x];
            turn.TryGetValue(x, out int k);
            turn[x] = k + 1;
            return l[k % l.Count];
        }
        List<int> a = new(), p = new(), n = new();
        for (int t = 0; t < Count; t++)
        {
            int x = _first[t], y = _second[t];
            if (_third[t] == 1) { a.Add(x); p.Add(y); n.Add(-1); }
            else if (partners.ContainsKey(x)) { a.Add(x); p.Add(Next(x)); n.Add(y); }
            else if (partners.ContainsKey(y)) { a.Add(y); p.Add(Next(y)); n.Add(x); }
            else unused++;
        }
        return (a.ToArray(), p.ToArray(), n.ToArray());
    }

    /// <summary>Every item index that some tuple names, ascending.</summary>
    public int[] Items()
    {
        var items = new SortedSet<int>(_first.Concat(_second));
        if (Kind == TupleKind.Triplets) items.UnionWith(_third);
        return items.ToArray();
    }

    /// <summary>
    /// Scores the tuples on <paramref name="embeddings"/>: triplet accuracy for triplets, verification for pairs
    /// (<see cref="TupleMetrics"/>). The row of item i is <paramref name="rowOf"/>(i), or i itself when null.
    /// </summary>
    /// <param name="embeddings">Embeddings of (at least) the items the tuples name.</param>
    /// <param name="rowOf">Maps an item index to its row of <paramref name="embeddings"/>; null: the identity.</param>
    /// <param name="distance">The measure (Euclidean when null).</param>
    /// <param name="source">Where the tuples came from, in words (<see cref="TupleMetrics.Source"/>).</param>
    /// <exception cref="ArgumentException">Bad embeddings, or a row outside them.</exception>
    public TupleMetrics Score(TorchSharp.torch.Tensor embeddings, Func<int, int>? rowOf = null, Distances.BaseDistance? distance = null, string? source = null)
    {
        Guard.NotNull(embeddings, nameof(embeddings));
        int[] Rows(int[] items) => rowOf is null ? items : items.Select(rowOf).ToArray();
        var metrics = Kind == TupleKind.Triplets
            ? TupleMetrics.OfTriplets(embeddings, Rows(_first), Rows(_second), Rows(_third), distance)
            : TupleMetrics.OfPairs(embeddings, Rows(_first), Rows(_second), _third.Select(x => x == 1).ToArray(), distance);
        return metrics with { Source = source };
    }

    private void Check(int index, int t, string field)
    {
        if (index < 0 || index >= ItemCount)
            throw Bad(t, $"the {field} item index {index} is outside [0, {ItemCount})");
    }

    private Exception Bad(int t, string problem) => Path is null
        ? new ArgumentException($"Tuple {t}: {problem}.", "tuples")
        : new DataFormatException(Path, problem, _lines[t], "line");
}
