using static TorchSharp.torch;

namespace TripletSharp.Data;

/// <summary>The items of an in-memory N×C×S×S dataset, read from one host copy of its features.</summary>
internal sealed class TensorImageItems : IImageItems
{
    private readonly float[] values;
    private readonly int itemLength;

    /// <summary>Copies <paramref name="features"/> (N×C×H×W float32) to host memory once.</summary>
    public TensorImageItems(Tensor features)
    {
        Guard.NotNull(features, nameof(features));
        if (features.dim() != 4) throw new ArgumentException($"'{nameof(features)}' must be N×C×H×W images, got shape [{string.Join(", ", features.shape)}].", nameof(features));
        ItemShape = features.shape.Skip(1).ToArray();
        Count = (int)features.shape[0];
        itemLength = (int)(ItemShape[0] * ItemShape[1] * ItemShape[2]);
        values = features.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    /// <inheritdoc />
    public int Count { get; }

    /// <inheritdoc />
    public long[] ItemShape { get; }

    /// <inheritdoc />
    public void Fill(int index, Span<float> destination) => values.AsSpan(index * itemLength, itemLength).CopyTo(destination);
}
