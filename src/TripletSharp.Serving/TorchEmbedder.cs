using TripletSharp.Data;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Serving;

/// <summary>An <see cref="IEmbedder"/> over a TorchSharp <see cref="ModelBundle"/> (one forward pass at a time).</summary>
public sealed class TorchEmbedder : IEmbedder
{
    private readonly ModelBundle _bundle;
    private readonly bool _owns;
    private readonly long[] _itemShape;
    private readonly Lock _gate = new();

    /// <summary>Wraps <paramref name="bundle"/>; its fingerprint is computed from its folder when it has one.</summary>
    /// <param name="bundle">The model.</param>
    /// <param name="ownsBundle">Dispose the bundle with this embedder.</param>
    public TorchEmbedder(ModelBundle bundle, bool ownsBundle = true)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        _bundle = bundle;
        _owns = ownsBundle;
        _itemShape = bundle.Input.ItemShape.ToArray();
        ItemLength = checked((int)_itemShape.Aggregate(1L, (a, b) => a * b));
        Fingerprint = bundle.Path is { } p ? ModelFingerprint.Compute(p) : null;
    }

    /// <summary>Loads the model folder <paramref name="modelFolder"/>.</summary>
    public static TorchEmbedder Load(string modelFolder) => new(ModelBundle.Load(modelFolder));

    /// <inheritdoc />
    public string Runtime => "torchsharp";

    /// <inheritdoc />
    public string Source => _bundle.Path ?? "in memory";

    /// <inheritdoc />
    public string? Architecture => _bundle.Architecture.Kind.ToString();

    /// <inheritdoc />
    public string InputKind => _bundle.Input.Kind == DataKind.Images ? "images" : "vectors";

    /// <inheritdoc />
    public IReadOnlyList<long> ItemShape => _itemShape;

    /// <inheritdoc />
    public int ItemLength { get; }

    /// <inheritdoc />
    public ImageResize ImageResize => _bundle.Input.Data?.Resize ?? ImageResize.Stretch;

    /// <inheritdoc />
    public int EmbeddingDim => _bundle.EmbeddingDim;

    /// <inheritdoc />
    public string MeasureName => _bundle.DistanceName;

    /// <inheritdoc />
    public string? Fingerprint { get; }

    /// <inheritdoc />
    public void Embed(ReadOnlySpan<float> items, int count, Span<float> destination)
    {
        ServingGuard.CheckBuffers(items.Length, count, ItemLength, destination.Length, EmbeddingDim);
        if (count == 0) return;
        var shape = new long[_itemShape.Length + 1];
        shape[0] = count;
        _itemShape.CopyTo(shape, 1);
        var data = items.ToArray();
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            var x = tensor(data, shape);
            var e = _bundle.Embed(x, batchSize: count).to_type(ScalarType.Float32).contiguous();
            e.data<float>().CopyTo(destination);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_owns) _bundle.Dispose();
    }
}
