namespace TripletSharp.Data;

/// <summary>Seeded, deterministic index selections: stratified train/test splits and class-balanced slices.</summary>
/// <remarks>
/// Randomness comes from <see cref="Random"/> with a fixed seed (stable across .NET versions for seeded instances);
/// classes are visited in ascending label order and the returned indices are sorted ascending, so the same labels and
/// seed always give the same selection.
/// </remarks>
public static class DatasetSplitter
{
    /// <summary>
    /// Splits item indices per class: each class with n items sends round(n × <paramref name="testFraction"/>) of them,
    /// chosen at random, to the test side, but always keeps at least one item on the training side (so a class with a
    /// single item is training-only).
    /// </summary>
    /// <param name="labels">Class of every item.</param>
    /// <param name="testFraction">Fraction held out, in (0, 1).</param>
    /// <param name="seed">Seed of the shuffle.</param>
    /// <returns>Training and test indices, each sorted ascending; together they are every index exactly once.</returns>
    public static (int[] Train, int[] Test) Stratified(IReadOnlyList<long> labels, double testFraction, int seed)
    {
        Guard.NotNull(labels, nameof(labels));
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, $"'{nameof(testFraction)}' must be in (0, 1), got {testFraction}.");
        var rng = new Random(seed);
        var train = new List<int>();
        var test = new List<int>();
        foreach (var members in ByClass(labels))
        {
            Shuffle(members, rng);
            int n = members.Count;
            int nTest = Math.Min(n - 1, (int)Math.Round(n * testFraction, MidpointRounding.AwayFromZero));
            test.AddRange(members.Take(nTest));
            train.AddRange(members.Skip(nTest));
        }
        train.Sort();
        test.Sort();
        return (train.ToArray(), test.ToArray());
    }

    /// <summary>
    /// At most <paramref name="maxItems"/> indices, as equal per class as the class sizes allow: classes take turns
    /// (ascending label) adding one randomly chosen item each until the budget is spent or every item is taken.
    /// </summary>
    /// <param name="labels">Class of every item.</param>
    /// <param name="maxItems">Budget (≥ 1); every index is returned when it is at least the item count.</param>
    /// <param name="seed">Seed of the per-class shuffles.</param>
    /// <returns>The chosen indices, sorted ascending.</returns>
    public static int[] BalancedSlice(IReadOnlyList<long> labels, int maxItems, int seed)
    {
        Guard.NotNull(labels, nameof(labels));
        Guard.Positive(maxItems, nameof(maxItems));
        if (maxItems >= labels.Count) return Enumerable.Range(0, labels.Count).ToArray();
        var rng = new Random(seed);
        var classes = ByClass(labels);
        foreach (var members in classes) Shuffle(members, rng);
        var chosen = new List<int>(maxItems);
        for (int round = 0; chosen.Count < maxItems; round++)
        {
            foreach (var members in classes)
            {
                if (round < members.Count) chosen.Add(members[round]);
                if (chosen.Count == maxItems) break;
            }
        }
        chosen.Sort();
        return chosen.ToArray();
    }

    private static List<List<int>> ByClass(IReadOnlyList<long> labels)
    {
        var map = new SortedDictionary<long, List<int>>();
        for (int i = 0; i < labels.Count; i++)
        {
            if (!map.TryGetValue(labels[i], out var list)) map[labels[i]] = list = new List<int>();
            list.Add(i);
        }
        return map.Values.ToList();
    }

    private static void Shuffle(List<int> items, Random rng)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
