using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TripletSharp.Models;

/// <summary>
/// Embedding network for images: Conv(→32, 3×3, pad 1)+ReLU+MaxPool2 → Conv(→64, 3×3, pad 1)+ReLU+MaxPool2 →
/// Flatten → Linear(→128)+ReLU → Linear(→embedding dim), optionally L2-normalised. Sized from the input C×H×W.
/// Training can run in bfloat16 with float32 master weights (<see cref="TrainingComputeType"/>).
/// </summary>
public sealed class ConvNet : nn.Module<Tensor, Tensor>, IReducedPrecisionTraining
{
    private ScalarType trainingComputeType = ScalarType.Float32;

    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc1;
    private readonly Linear fc2;

    /// <summary>Creates the network for inputs of <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/>.</summary>
    /// <param name="channels">Input channels (1 for grey, 3 for colour).</param>
    /// <param name="height">Input height (≥ 4: two 2× poolings).</param>
    /// <param name="width">Input width (≥ 4).</param>
    /// <param name="embeddingDim">Output dimension.</param>
    /// <param name="normalize">L2-normalise every output row.</param>
    public ConvNet(long channels, long height, long width, long embeddingDim = 64, bool normalize = true) : base(nameof(ConvNet))
    {
        Guard.Positive(channels, nameof(channels));
        Guard.Positive(embeddingDim, nameof(embeddingDim));
        if (height < 4) throw new ArgumentOutOfRangeException(nameof(height), height, $"'{nameof(height)}' must be >= 4 (two 2x poolings), got {height}.");
        if (width < 4) throw new ArgumentOutOfRangeException(nameof(width), width, $"'{nameof(width)}' must be >= 4 (two 2x poolings), got {width}.");
        Channels = channels;
        Height = height;
        Width = width;
        EmbeddingDim = embeddingDim;
        Normalize = normalize;
        conv1 = nn.Conv2d(channels, 32, 3, padding: 1);
        conv2 = nn.Conv2d(32, 64, 3, padding: 1);
        fc1 = nn.Linear(64 * (height / 4) * (width / 4), 128);
        fc2 = nn.Linear(128, embeddingDim);
        RegisterComponents();
    }

    /// <summary>Input channels.</summary>
    public long Channels { get; }

    /// <summary>Input height.</summary>
    public long Height { get; }

    /// <summary>Input width.</summary>
    public long Width { get; }

    /// <summary>Output dimension.</summary>
    public long EmbeddingDim { get; }

    /// <summary>Whether outputs are L2-normalised.</summary>
    public bool Normalize { get; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The type is not float32 or bfloat16.</exception>
    public ScalarType TrainingComputeType
    {
        get => trainingComputeType;
        set => trainingComputeType = ReducedPrecision.Validate(value, supported: true, nameof(ConvNet));
    }

    /// <inheritdoc/>
    public bool SupportsReducedPrecision => true;

    /// <summary>Embeds an N×C×H×W batch into N×<see cref="EmbeddingDim"/>.</summary>
    public override Tensor forward(Tensor input)
    {
        Guard.NotNull(input, nameof(input));
        if (input.dim() != 4 || input.shape[1] != Channels || input.shape[2] != Height || input.shape[3] != Width)
            throw new ArgumentException(
                $"ConvNet expects N×{Channels}×{Height}×{Width} input, got [{string.Join(", ", input.shape)}].", nameof(input));
        if (training && trainingComputeType != ScalarType.Float32) return ForwardReduced(input, trainingComputeType);
        using var scope = torch.NewDisposeScope();
        var h = nn.functional.max_pool2d(nn.functional.relu(conv1.forward(input)), 2);
        h = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(h)), 2);
        h = nn.functional.relu(fc1.forward(h.flatten(1)));
        var e = fc2.forward(h);
        if (Normalize) e = nn.functional.normalize(e, p: 2, dim: 1);
        return e.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The same network computed in <paramref name="type"/>: input, weights and biases are cast inside the graph (so
    /// the float32 parameters receive float32 gradients), the output is cast back to float32 before the normalisation.
    /// Two changes that leave the function unchanged make it faster (issue 14 §2, BENCHMARKS "Suite train"): the
    /// input and the convolution weights are channels-last (<see cref="MemoryLayout"/>: oneDNN's NHWC kernels, and a
    /// max-pooling about 3× faster than on N×C×H×W bfloat16), and each ReLU runs after its max-pooling, on a quarter of
    /// the values (max-pooling commutes with the monotone ReLU).
    /// </summary>
    private Tensor ForwardReduced(Tensor input, ScalarType type)
    {
        using var scope = torch.NewDisposeScope();
        long[] pad = [1, 1];
        var x = MemoryLayout.ChannelsLast(input.to(type));
        var h = nn.functional.relu(nn.functional.max_pool2d(nn.functional.conv2d(x, MemoryLayout.ChannelsLast(conv1.weight!.to(type)), conv1.bias!.to(type), padding: pad), 2));
        h = nn.functional.relu(nn.functional.max_pool2d(nn.functional.conv2d(h, MemoryLayout.ChannelsLast(conv2.weight!.to(type)), conv2.bias!.to(type), padding: pad), 2));
        // Back to N×C×H×W order before flattening: fc1's weight columns are in that order.
        h = nn.functional.relu(nn.functional.linear(h.contiguous().flatten(1), fc1.weight!.to(type), fc1.bias!.to(type)));
        var e = nn.functional.linear(h, fc2.weight!.to(type), fc2.bias!.to(type)).to(ScalarType.Float32);
        if (Normalize) e = nn.functional.normalize(e, p: 2, dim: 1);
        return e.MoveToOuterDisposeScope();
    }
}
