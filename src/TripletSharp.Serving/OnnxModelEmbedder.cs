using TripletSharp.Data;
using TripletSharp.Onnx;

namespace TripletSharp.Serving;

/// <summary>An <see cref="IEmbedder"/> over an ONNX model (<see cref="OnnxEmbedder"/>, ONNX Runtime alone).</summary>
public sealed class OnnxModelEmbedder : IEmbedder
{
    /// <summary>The ONNX metadata key that <c>triplet export</c> fills with the source model's fingerprint.</summary>
    public const string FingerprintKey = "tripletsharp.model_fingerprint";

    private readonly OnnxEmbedder _onnx;

    /// <summary>Opens the ONNX model at <paramref name="path"/>.</summary>
    /// <exception cref="OnnxModelException">The file is not an embedding model ONNX Runtime can run.</exception>
    public OnnxModelEmbedder(string path, OnnxEmbedderOptions? options = null)
    {
        _onnx = new OnnxEmbedder(path, options);
        try
        {
            ImageResize = ImageBytes.RecordedResize(_onnx.Info.DataOptionsJson);
        }
        catch (ArgumentException e)
        {
            _onnx.Dispose();
            throw new OnnxModelException(path, $"metadata tripletsharp.data_options: {e.Message}", e);
        }
        Fingerprint = _onnx.Info.Metadata.TryGetValue(FingerprintKey, out var fp) && !string.IsNullOrWhiteSpace(fp) ? fp : null;
    }

    /// <inheritdoc />
    public string Runtime => "onnx";

    /// <inheritdoc />
    public string Source => _onnx.Path;

    /// <inheritdoc />
    public string? Architecture => _onnx.Info.Architecture;

    /// <inheritdoc />
    public string InputKind => _onnx.Info.InputKind ?? "vectors";

    /// <inheritdoc />
    public IReadOnlyList<long> ItemShape => _onnx.ItemShape;

    /// <inheritdoc />
    public int ItemLength => _onnx.ItemLength;

    /// <inheritdoc />
    public ImageResize ImageResize { get; }

    /// <inheritdoc />
    public int EmbeddingDim => _onnx.EmbeddingDim;

    /// <inheritdoc />
    public string MeasureName => _onnx.DistanceName;

    /// <inheritdoc />
    public string? Fingerprint { get; }

    /// <inheritdoc />
    public void Embed(ReadOnlySpan<float> items, int count, Span<float> destination)
    {
        ServingGuard.CheckBuffers(items.Length, count, ItemLength, destination.Length, EmbeddingDim);
        if (count == 0) return;
        _onnx.Embed(items, destination, batchSize: Math.Max(1, count));
    }

    /// <inheritdoc />
    public void Dispose() => _onnx.Dispose();
}
