using System.Globalization;

namespace TripletSharp.Data;

/// <summary>
/// How the labels of multi-label data are spread over the items: how many items carry each label (an item counts once
/// for every label it carries), how many carry more than one, and the mean number of labels per item. Single-label data
/// has none (<see cref="Of(Dataset)"/> returns null), so what is printed and recorded about it stays as it was.
/// </summary>
public sealed record LabelCounts
{
    /// <summary>Number of items counted.</summary>
    public int ItemCount { get; init; }

    /// <summary>Items carrying each label, by class index (the dataset's class order); an item counts for every label it carries.</summary>
    public int[] ItemsPerLabel { get; init; } = [];

    /// <summary>Items carrying more than one label.</summary>
    public int MultiLabelItems { get; init; }

    /// <summary>Mean number of (distinct) labels per item; NaN when there are no items.</summary>
    public double MeanLabelsPerItem { get; init; }

    /// <summary>The counts of a multi-label dataset; null when it has one label per item (<see cref="Dataset.LabelSets"/> is null).</summary>
    public static LabelCounts? Of(Dataset data)
    {
        Guard.NotNull(data, nameof(data));
        return data.LabelSets is { } sets ? Of(sets, data.ClassNames.Count) : null;
    }

    /// <summary>The counts of <paramref name="labelSets"/> (every label of every item, class indices in [0, <paramref name="classCount"/>)); a label repeated within one item counts once.</summary>
    /// <exception cref="ArgumentException">A set is null or holds an index outside [0, classCount).</exception>
    public static LabelCounts Of(IReadOnlyList<long[]> labelSets, int classCount)
    {
        Guard.NotNull(labelSets, nameof(labelSets));
        Guard.NonNegative(classCount, nameof(classCount));
        var perLabel = new int[classCount];
        int multi = 0;
        long total = 0;
        for (int i = 0; i < labelSets.Count; i++)
        {
            var set = labelSets[i] ?? throw new ArgumentException($"'{nameof(labelSets)}'[{i}] is null.", nameof(labelSets));
            int distinct = 0;
            foreach (var label in set.Distinct())
            {
                if (label < 0 || label >= classCount)
                    throw new ArgumentException($"'{nameof(labelSets)}'[{i}] holds {label}, which is not a class index in [0, {classCount}).", nameof(labelSets));
                perLabel[label]++;
                distinct++;
            }
            if (distinct > 1) multi++;
            total += distinct;
        }
        return new LabelCounts
        {
            ItemCount = labelSets.Count,
            ItemsPerLabel = perLabel,
            MultiLabelItems = multi,
            MeanLabelsPerItem = labelSets.Count == 0 ? double.NaN : (double)total / labelSets.Count,
        };
    }

    /// <summary>
    /// One line: how many items carry more than one label, the mean per item, and the items per label, most frequent first
    /// (ties in class order), at most <paramref name="listed"/> of them.
    /// </summary>
    /// <param name="classNames">Name of every class (as many as <see cref="ItemsPerLabel"/>).</param>
    /// <param name="listed">Most labels listed by name; the rest are counted.</param>
    public string Describe(IReadOnlyList<string> classNames, int listed = 8)
    {
        Guard.NotNull(classNames, nameof(classNames));
        if (classNames.Count != ItemsPerLabel.Length)
            throw new ArgumentException($"'{nameof(classNames)}' has {classNames.Count} names but there are {ItemsPerLabel.Length} labels.", nameof(classNames));
        var ic = CultureInfo.InvariantCulture;
        var order = Enumerable.Range(0, ItemsPerLabel.Length).OrderByDescending(c => ItemsPerLabel[c]).ThenBy(c => c).ToArray();
        var shown = string.Join(", ", order.Take(Math.Max(listed, 0)).Select(c => string.Create(ic, $"{classNames[c]} {ItemsPerLabel[c]}")));
        int rest = order.Length - Math.Min(order.Length, Math.Max(listed, 0));
        return string.Create(ic,
            $"multi-label: {MultiLabelItems} of {ItemCount} items carry more than one label, {MeanLabelsPerItem:0.00} labels per item on average; items per label: {shown}{(rest > 0 ? $", … ({rest} more labels)" : "")}");
    }
}
