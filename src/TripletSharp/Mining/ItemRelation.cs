using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>
/// Which items of a dataset are positives of each other, when one class id per item does not say it: multi-label data
/// (<see cref="SharedLabel"/>: two items are positives when they share a label) or any user rule
/// (<see cref="FromPredicate"/>). Miners and losses take a batch's relation as a B×B bool match matrix
/// (<see cref="Matches"/>) in place of the labels tensor; evaluation takes the relation itself.
/// </summary>
/// <remarks>
/// Row i of the relation is anchor (or query) i's view: j is a positive of i when <see cref="Positive"/>(i, j). The
/// relation of an item to itself is ignored everywhere (an item is never its own positive or negative). A relation need
/// not be symmetric; the shared-label one is.
/// </remarks>
public abstract class ItemRelation
{
    /// <summary>What the relation is, as run files name it: <c>multi-label</c> for <see cref="SharedLabel"/>, <c>custom</c> otherwise.</summary>
    public virtual string Name => "custom";

    /// <summary>Whether item <paramref name="j"/> is a positive of item <paramref name="i"/> (dataset indices, i ≠ j).</summary>
    public abstract bool Positive(int i, int j);

    /// <summary>
    /// The B×B bool match matrix of a batch of dataset <paramref name="items"/> (entry [a, b]: item b is a positive of item
    /// a; the diagonal is true), on <paramref name="device"/> (CPU when null). Pass it to <c>BaseMiner.Mine</c> and the
    /// losses in place of the labels. Memory O(B²).
    /// </summary>
    /// <exception cref="ArgumentException">No items.</exception>
    public Tensor Matches(IReadOnlyList<int> items, Device? device = null)
    {
        Guard.NotNull(items, nameof(items));
        if (items.Count == 0) throw new ArgumentException($"'{nameof(items)}' is empty.", nameof(items));
        int b = items.Count;
        var m = new bool[b * (long)b];
        Fill(items, m);
        for (int a = 0; a < b; a++) m[a * (long)b + a] = true;
        return tensor(m, new long[] { b, b }, device: device ?? CPU);
    }

    /// <summary>Fills the row-major match matrix of <paramref name="items"/> (the diagonal is set afterwards).</summary>
    private protected virtual void Fill(IReadOnlyList<int> items, bool[] matches)
    {
        int b = items.Count;
        for (int a = 0; a < b; a++)
            for (int j = 0; j < b; j++)
                if (j != a) matches[a * (long)b + j] = Positive(items[a], items[j]);
    }

    /// <summary>How many of the items 0..<paramref name="count"/>−1 other than <paramref name="query"/> are its positives (R of MAP@R).</summary>
    public virtual long PositiveCount(int query, int count)
    {
        long r = 0;
        for (int j = 0; j < count; j++)
            if (j != query && Positive(query, j)) r++;
        return r;
    }

    /// <summary>
    /// Items are positives when their label sets intersect (multi-label data). Label sets may hold one label (then this is
    /// the single-label rule) or none (an item with no label is nobody's positive).
    /// </summary>
    /// <param name="labelSets">The labels of every item of the dataset (not copied).</param>
    /// <exception cref="ArgumentException">A null label set.</exception>
    public static ItemRelation SharedLabel(IReadOnlyList<long[]> labelSets) => new SharedLabelRelation(labelSets);

    /// <summary>A user rule over dataset indices: <paramref name="positive"/>(i, j) says whether j is a positive of i.</summary>
    public static ItemRelation FromPredicate(Func<int, int, bool> positive) => new PredicateRelation(positive);

    private sealed class PredicateRelation : ItemRelation
    {
        private readonly Func<int, int, bool> _positive;

        public PredicateRelation(Func<int, int, bool> positive)
        {
            Guard.NotNull(positive, nameof(positive));
            _positive = positive;
        }

        public override bool Positive(int i, int j) => _positive(i, j);
    }

    private sealed class SharedLabelRelation : ItemRelation
    {
        private readonly long[][] _sets;
        private readonly Dictionary<long, int[]> _members;

        public SharedLabelRelation(IReadOnlyList<long[]> labelSets)
        {
            Guard.NotNull(labelSets, nameof(labelSets));
            _sets = new long[labelSets.Count][];
            var members = new Dictionary<long, List<int>>();
            for (int i = 0; i < labelSets.Count; i++)
            {
                var set = labelSets[i] ?? throw new ArgumentException($"'{nameof(labelSets)}'[{i}] is null.", nameof(labelSets));
                _sets[i] = set.Distinct().Order().ToArray();
                foreach (long l in _sets[i])
                {
                    if (!members.TryGetValue(l, out var list)) members[l] = list = new List<int>();
                    list.Add(i);
                }
            }
            _members = members.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        }

        public override string Name => "multi-label";

        public override bool Positive(int i, int j)
        {
            // Both sets are sorted: a merge walk.
            long[] x = _sets[i], y = _sets[j];
            int a = 0, b = 0;
            while (a < x.Length && b < y.Length)
            {
                if (x[a] == y[b]) return true;
                if (x[a] < y[b]) a++;
                else b++;
            }
            return false;
        }

        private protected override void Fill(IReadOnlyList<int> items, bool[] matches)
        {
            // Per label, the batch rows holding it; every pair of rows of one label matches. O(Σ_label rows²) ≤ O(L·B²).
            int b = items.Count;
            var rows = new Dictionary<long, List<int>>();
            for (int r = 0; r < b; r++)
                foreach (long l in _sets[items[r]])
                {
                    if (!rows.TryGetValue(l, out var list)) rows[l] = list = new List<int>();
                    list.Add(r);
                }
            foreach (var list in rows.Values)
                foreach (int x in list)
                    foreach (int y in list)
                        matches[x * (long)b + y] = true;
        }

        public override long PositiveCount(int query, int count)
        {
            // The union of the query's labels' members below count, without the query: a stamp per member seen.
            var seen = new HashSet<int>();
            foreach (long l in _sets[query])
                foreach (int j in _members[l])
                    if (j < count && j != query) seen.Add(j);
            return seen.Count;
        }
    }
}
