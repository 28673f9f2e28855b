using TripletSharp.Data;
using static TorchSharp.torch;

namespace TripletSharp.Models;

/// <summary>Embeddings of a dataset's items with their labels, class names, item names and split, ready to export or search.</summary>
public sealed class EmbeddingSet : IDisposable
{
    /// <summary>Wraps embeddings (taken over) and their metadata.</summary>
    public EmbeddingSet(Tensor embeddings, long[] labels, IReadOnlyList<string> classNames, IReadOnlyList<string>? itemNames, IReadOnlyList<string> splits)
    {
        Guard.Embeddings(embeddings, nameof(embeddings), allowEmpty: true);
        Guard.NotNull(labels, nameof(labels));
        Guard.NotNull(classNames, nameof(classNames));
        Guard.NotNull(splits, nameof(splits));
        if (labels.Length != embeddings.shape[0] || splits.Count != labels.Length || (itemNames is not null && itemNames.Count != labels.Length))
            throw new ArgumentException($"'{nameof(labels)}', '{nameof(splits)}' and '{nameof(itemNames)}' must have one entry per embedding row ({embeddings.shape[0]}).", nameof(labels));
        Embeddings = embeddings;
        Labels = labels;
        ClassNames = classNames;
        ItemNames = itemNames;
        Splits = splits;
    }

    /// <summary>N×D embeddings (CPU float32).</summary>
    public Tensor Embeddings { get; }

    /// <summary>Class index of every row.</summary>
    public long[] Labels { get; }

    /// <summary>Class names, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>File name or row id of every row, where known.</summary>
    public IReadOnlyList<string>? ItemNames { get; }

    /// <summary>Multi-label data: every label of every row (null for single labels); see <see cref="Data.Dataset.LabelSets"/>.</summary>
    public IReadOnlyList<long[]>? LabelSets { get; init; }

    /// <summary>"train" or "test" for every row.</summary>
    public IReadOnlyList<string> Splits { get; }

    /// <summary>Number of rows.</summary>
    public int Count => Labels.Length;

    /// <summary>Embedding dimension.</summary>
    public int Dimension => (int)Embeddings.shape[1];

    /// <summary>The class name of row <paramref name="row"/> (the label number when it has no name).</summary>
    public string ClassName(int row)
    {
        long l = Labels[row];
        return l >= 0 && l < ClassNames.Count ? ClassNames[(int)l] : l.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The item name of row <paramref name="row"/>, or its split and index when unknown.</summary>
    public string ItemName(int row) => ItemNames?[row] ?? $"{Splits[row]}#{row}";

    /// <summary>Embeds the chosen items of <paramref name="data"/> with <paramref name="model"/> (checked for compatibility first).</summary>
    public static EmbeddingSet Create(ModelBundle model, DatasetSplit data, SplitSelection which = SplitSelection.All, int batchSize = ModelBundle.DefaultEmbedBatchSize)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(data, nameof(data));
        var parts = which switch
        {
            SplitSelection.Train => new[] { (data.Train, "train") },
            SplitSelection.Test => new[] { (data.Test, "test") },
            _ => new[] { (data.Train, "train"), (data.Test, "test") },
        };
        parts = parts.Where(p => p.Item1.Count > 0).ToArray();
        foreach (var (d, _) in parts) model.CheckCompatible(d, data.Source);
        using var scope = NewDisposeScope();
        var embeddings = parts.Length == 0
            ? zeros(0, model.EmbeddingDim)
            : cat(parts.Select(p => model.Embed(p.Item1.Features, batchSize)).ToArray(), 0);
        var labels = parts.SelectMany(p => p.Item1.Labels).ToArray();
        var names = parts.All(p => p.Item1.ItemNames is not null) ? parts.SelectMany(p => p.Item1.ItemNames!).ToArray() : null;
        var splits = parts.SelectMany(p => Enumerable.Repeat(p.Item2, p.Item1.Count)).ToArray();
        var classNames = data.Train.ClassNames.Count >= data.Test.ClassNames.Count ? data.Train.ClassNames : data.Test.ClassNames;
        var sets = parts.Any(p => p.Item1.LabelSets is not null) ? parts.SelectMany(p => p.Item1.LabelSets ?? p.Item1.Labels.Select(l => new[] { l }).ToArray()).ToArray() : null;
        return new EmbeddingSet(embeddings.MoveToOuterDisposeScope(), labels, classNames, names, splits) { LabelSets = sets };
    }

    /// <summary>Embeds every item of one <paramref name="data"/> set, tagging each row with <paramref name="split"/>.</summary>
    public static EmbeddingSet Create(ModelBundle model, Dataset data, string split = "all", string? dataSource = null, int batchSize = ModelBundle.DefaultEmbedBatchSize)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(data, nameof(data));
        Guard.NotNull(split, nameof(split));
        var embeddings = data.Count == 0 ? zeros(0, model.EmbeddingDim) : model.Embed(data, batchSize, dataSource);
        return new EmbeddingSet(embeddings, data.Labels.ToArray(), data.ClassNames, data.ItemNames, Enumerable.Repeat(split, data.Count).ToArray()) { LabelSets = data.LabelSets };
    }

    /// <inheritdoc />
    public void Dispose() => Embeddings.Dispose();
}
