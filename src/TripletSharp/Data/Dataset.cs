using static TorchSharp.torch;

namespace TripletSharp.Data;

/// <summary>An in-memory labelled dataset: features as one CPU float32 tensor, labels as class indices.</summary>
public sealed class Dataset : IDisposable
{
    /// <summary>Creates a dataset (takes over <paramref name="features"/>).</summary>
    /// <param name="features">N×C×H×W images in [0, 1], or N×F vectors (float32, CPU).</param>
    /// <param name="labels">Class index of every item, 0 ≤ label &lt; <paramref name="classNames"/>.Count.</param>
    /// <param name="classNames">Name of every class.</param>
    /// <param name="kind">Images or vectors.</param>
    /// <param name="itemNames">File name or row id of every item, where known.</param>
    public Dataset(Tensor features, long[] labels, IReadOnlyList<string> classNames, DataKind kind, IReadOnlyList<string>? itemNames = null)
    {
        Guard.NotNull(features, nameof(features));
        Guard.NotNull(labels, nameof(labels));
        Guard.NotNull(classNames, nameof(classNames));
        if (features.shape.Length == 0 || features.shape[0] != labels.Length)
            throw new ArgumentException($"'{nameof(features)}' has {(features.shape.Length == 0 ? 0 : features.shape[0])} rows but there are {labels.Length} labels.", nameof(features));
        if (itemNames is not null && itemNames.Count != labels.Length)
            throw new ArgumentException($"'{nameof(itemNames)}' has {itemNames.Count} entries but there are {labels.Length} labels.", nameof(itemNames));
        Features = features;
        Labels = labels;
        ClassNames = classNames;
        Kind = kind;
        ItemNames = itemNames;
    }

    /// <summary>N×C×H×W images in [0, 1], or N×F vectors.</summary>
    public Tensor Features { get; }

    /// <summary>Class index of every item.</summary>
    public long[] Labels { get; }

    /// <summary>Name of every class.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Images or vectors.</summary>
    public DataKind Kind { get; }

    /// <summary>File name or row id of every item, where known.</summary>
    public IReadOnlyList<string>? ItemNames { get; }

    /// <summary>Number of items.</summary>
    public int Count => Labels.Length;

    /// <summary>Shape of one item: [C, H, W] or [F].</summary>
    public long[] ItemShape => Features.shape.Skip(1).ToArray();

    /// <summary>The items at <paramref name="indices"/>, as a new dataset.</summary>
    public Dataset Subset(IReadOnlyList<int> indices)
    {
        Guard.NotNull(indices, nameof(indices));
        using var idx = tensor(indices.Select(i => (long)i).ToArray(), ScalarType.Int64);
        var features = Features.index_select(0, idx);
        return new Dataset(features, indices.Select(i => Labels[i]).ToArray(), ClassNames, Kind, ItemNames is null ? null : indices.Select(i => ItemNames[i]).ToArray());
    }

    /// <inheritdoc />
    public void Dispose() => Features.Dispose();
}
