using static TorchSharp.torch;

namespace TripletSharp.Data;

/// <summary>
/// A labelled dataset: features as one CPU float32 tensor, labels as class indices. An image folder read with
/// <see cref="DataOptions.Lazy"/> keeps only its file list and decodes images when they are used (training decodes each
/// batch; <see cref="Features"/> decodes every image on first use).
/// </summary>
public sealed class Dataset : IDisposable
{
    private Tensor? features;

    /// <summary>Creates a dataset (takes over <paramref name="features"/>).</summary>
    /// <param name="features">N×C×H×W images in [0, 1], or N×F vectors (float32, CPU).</param>
    /// <param name="labels">Class index of every item, 0 ≤ label &lt; <paramref name="classNames"/>.Count.</param>
    /// <param name="classNames">Name of every class.</param>
    /// <param name="kind">Images or vectors.</param>
    /// <param name="itemNames">File name or row id of every item, where known.</param>
    /// <param name="labelSets">Multi-label data: every label of every item (class indices); <paramref name="labels"/> then holds each item's first (sampling) label, which must be in its set.</param>
    public Dataset(Tensor features, long[] labels, IReadOnlyList<string> classNames, DataKind kind, IReadOnlyList<string>? itemNames = null, IReadOnlyList<long[]>? labelSets = null)
    {
        Guard.NotNull(features, nameof(features));
        Guard.NotNull(labels, nameof(labels));
        Guard.NotNull(classNames, nameof(classNames));
        if (features.shape.Length == 0 || features.shape[0] != labels.Length)
            throw new ArgumentException($"'{nameof(features)}' has {(features.shape.Length == 0 ? 0 : features.shape[0])} rows but there are {labels.Length} labels.", nameof(features));
        if (itemNames is not null && itemNames.Count != labels.Length)
            throw new ArgumentException($"'{nameof(itemNames)}' has {itemNames.Count} entries but there are {labels.Length} labels.", nameof(itemNames));
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classNames.Count)
                throw new ArgumentException($"'{nameof(labels)}'[{i}] = {labels[i]} is not a class index in [0, {classNames.Count}).", nameof(labels));
        }
        if (labelSets is not null)
        {
            if (labelSets.Count != labels.Length)
                throw new ArgumentException($"'{nameof(labelSets)}' has {labelSets.Count} entries but there are {labels.Length} labels.", nameof(labelSets));
            for (int i = 0; i < labels.Length; i++)
            {
                if (labelSets[i] is null || !labelSets[i].Contains(labels[i]) || labelSets[i].Any(l => l < 0 || l >= classNames.Count))
                    throw new ArgumentException($"'{nameof(labelSets)}'[{i}] must hold class indices in [0, {classNames.Count}) including labels[{i}] = {labels[i]}.", nameof(labelSets));
            }
        }
        this.features = features;
        Labels = labels;
        LabelSets = labelSets;
        ClassNames = classNames;
        Kind = kind;
        ItemNames = itemNames;
    }

    /// <summary>A dataset of image files decoded on demand (see <see cref="DataOptions.Lazy"/>).</summary>
    internal Dataset(ImageFileItems files, long[] labels, IReadOnlyList<string> classNames, IReadOnlyList<string>? itemNames)
    {
        if (files.Count != labels.Length) throw new ArgumentException($"'{nameof(files)}' has {files.Count} files but there are {labels.Length} labels.", nameof(files));
        if (itemNames is not null && itemNames.Count != labels.Length)
            throw new ArgumentException($"'{nameof(itemNames)}' has {itemNames.Count} entries but there are {labels.Length} labels.", nameof(itemNames));
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classNames.Count)
                throw new ArgumentException($"'{nameof(labels)}'[{i}] = {labels[i]} is not a class index in [0, {classNames.Count}).", nameof(labels));
        }
        Files = files;
        Labels = labels;
        ClassNames = classNames;
        Kind = DataKind.Images;
        ItemNames = itemNames;
    }

    /// <summary>N×C×H×W images in [0, 1], or N×F vectors (a lazy dataset decodes all its images here, once).</summary>
    public Tensor Features => features ??= Files!.DecodeAll();

    /// <summary>Whether the images are decoded from their files on demand (<see cref="DataOptions.Lazy"/>).</summary>
    public bool IsLazy => Files is not null;

    /// <summary>The image files of a lazy dataset; null for one held in memory.</summary>
    internal ImageFileItems? Files { get; }

    /// <summary>Class index of every item.</summary>
    public long[] Labels { get; }

    /// <summary>
    /// Multi-label data: every label of every item (null for single-label data). Two items are positives when their sets
    /// intersect (<see cref="Mining.ItemRelation.SharedLabel"/>); <see cref="Labels"/> holds the first label of each set.
    /// </summary>
    public IReadOnlyList<long[]>? LabelSets { get; }

    /// <summary>Name of every class.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Images or vectors.</summary>
    public DataKind Kind { get; }

    /// <summary>File name or row id of every item, where known.</summary>
    public IReadOnlyList<string>? ItemNames { get; }

    /// <summary>Number of items.</summary>
    public int Count => Labels.Length;

    /// <summary>Shape of one item: [C, H, W] or [F].</summary>
    public long[] ItemShape => Files?.ItemShape.ToArray() ?? Features.shape.Skip(1).ToArray();

    /// <summary>The items at <paramref name="indices"/> (in that order, repeats allowed), as a new dataset with the same class list.</summary>
    public Dataset Subset(IReadOnlyList<int> indices)
    {
        Guard.NotNull(indices, nameof(indices));
        for (int i = 0; i < indices.Count; i++)
        {
            if (indices[i] < 0 || indices[i] >= Count)
                throw new ArgumentOutOfRangeException(nameof(indices), indices[i], $"'{nameof(indices)}'[{i}] = {indices[i]} is outside [0, {Count}).");
        }
        if (Files is not null)
            return new Dataset(Files.Subset(indices), indices.Select(i => Labels[i]).ToArray(), ClassNames, ItemNames is null ? null : indices.Select(i => ItemNames[i]).ToArray());
        using var scope = NewDisposeScope();
        var idx = tensor(indices.Select(i => (long)i).ToArray(), ScalarType.Int64, device: Features.device);
        var features = Features.index_select(0, idx).MoveToOuterDisposeScope();
        return new Dataset(features, indices.Select(i => Labels[i]).ToArray(), ClassNames, Kind, ItemNames is null ? null : indices.Select(i => ItemNames[i]).ToArray(),
            LabelSets is null ? null : indices.Select(i => LabelSets[i]).ToArray());
    }

    /// <summary>Joins datasets that share one class list and item shape, in order, into a new dataset (the parts are left as they are).</summary>
    public static Dataset Concat(IReadOnlyList<Dataset> parts)
    {
        Guard.NotNull(parts, nameof(parts));
        if (parts.Count == 0) throw new ArgumentException($"'{nameof(parts)}' is empty.", nameof(parts));
        var first = parts[0];
        foreach (var p in parts)
        {
            if (!p.ClassNames.SequenceEqual(first.ClassNames) || p.Kind != first.Kind || !p.ItemShape.SequenceEqual(first.ItemShape))
                throw new ArgumentException($"'{nameof(parts)}' must share class names, kind and item shape.", nameof(parts));
        }
        var names = parts.All(p => p.ItemNames is not null) ? parts.SelectMany(p => p.ItemNames!).ToArray() : null;
        if (parts.All(p => p.Files is not null))
            return new Dataset(ImageFileItems.Concat(parts.Select(p => p.Files!).ToArray()), parts.SelectMany(p => p.Labels).ToArray(), first.ClassNames, names);
        using var scope = NewDisposeScope();
        var features = cat(parts.Select(p => p.Features).ToArray(), 0).MoveToOuterDisposeScope();
        var sets = parts.Any(p => p.LabelSets is not null) ? parts.SelectMany(p => p.LabelSets ?? p.Labels.Select(l => new[] { l }).ToArray()).ToArray() : null;
        return new Dataset(features, parts.SelectMany(p => p.Labels).ToArray(), first.ClassNames, first.Kind, names, sets);
    }

    /// <inheritdoc />
    public void Dispose() => features?.Dispose();
}
