using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TripletSharp.Models;

/// <summary>
/// Embedding network for feature vectors: Linear+ReLU for every hidden size, then Linear(→embedding dim), optionally
/// L2-normalised. Inputs with more than two dimensions are flattened after the batch dimension. Training can run in
/// bfloat16 with float32 master weights (<see cref="TrainingComputeType"/>).
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>, IReducedPrecisionTraining
{
    private ScalarType trainingComputeType = ScalarType.Float32;

    private readonly ModuleList<Linear> layers;

    /// <summary>Creates the network.</summary>
    /// <param name="inputDim">Number of input features (after flattening).</param>
    /// <param name="hiddenSizes">Width of every hidden layer (may be empty: one linear map).</param>
    /// <param name="embeddingDim">Output dimension.</param>
    /// <param name="normalize">L2-normalise every output row.</param>
    public Mlp(long inputDim, IReadOnlyList<int> hiddenSizes, long embeddingDim = 64, bool normalize = true) : base(nameof(Mlp))
    {
        Guard.Positive(inputDim, nameof(inputDim));
        Guard.NotNull(hiddenSizes, nameof(hiddenSizes));
        Guard.Positive(embeddingDim, nameof(embeddingDim));
        for (int i = 0; i < hiddenSizes.Count; i++)
            if (hiddenSizes[i] <= 0) throw new ArgumentOutOfRangeException(nameof(hiddenSizes), hiddenSizes[i], $"'{nameof(hiddenSizes)}[{i}]' must be > 0, got {hiddenSizes[i]}.");
        InputDim = inputDim;
        HiddenSizes = hiddenSizes.ToArray();
        EmbeddingDim = embeddingDim;
        Normalize = normalize;
        layers = new ModuleList<Linear>();
        long previous = inputDim;
        foreach (var h in hiddenSizes)
        {
            layers.Add(nn.Linear(previous, h));
            previous = h;
        }
        layers.Add(nn.Linear(previous, embeddingDim));
        RegisterComponents();
    }

    /// <summary>Input features.</summary>
    public long InputDim { get; }

    /// <summary>Hidden layer widths.</summary>
    public IReadOnlyList<int> HiddenSizes { get; }

    /// <summary>Output dimension.</summary>
    public long EmbeddingDim { get; }

    /// <summary>Whether outputs are L2-normalised.</summary>
    public bool Normalize { get; }

    /// <inheritdoc/>
    public ScalarType TrainingComputeType
    {
        get => trainingComputeType;
        set => trainingComputeType = ReducedPrecision.Validate(value, supported: true, nameof(Mlp));
    }

    /// <inheritdoc/>
    public bool SupportsReducedPrecision => true;

    /// <summary>Embeds an N×F (or N×… flattened to F) batch into N×<see cref="EmbeddingDim"/>.</summary>
    public override Tensor forward(Tensor input)
    {
        Guard.NotNull(input, nameof(input));
        if (input.dim() < 2)
            throw new ArgumentException($"Mlp expects N×{InputDim} input, got [{string.Join(", ", input.shape)}].", nameof(input));
        using var scope = torch.NewDisposeScope();
        var h = input.dim() == 2 ? input : input.flatten(1);
        if (h.shape[1] != InputDim)
            throw new ArgumentException($"Mlp expects N×{InputDim} input, got [{string.Join(", ", input.shape)}].", nameof(input));
        // Reduced precision: input and every Linear's weight and bias cast inside the graph, the output back to float32.
        var type = training ? trainingComputeType : ScalarType.Float32;
        if (type != ScalarType.Float32) h = h.to(type);
        for (int i = 0; i < layers.Count; i++)
        {
            h = type == ScalarType.Float32
                ? layers[i].forward(h)
                : nn.functional.linear(h, layers[i].weight!.to(type), ReducedPrecision.Cast(layers[i].bias, type));
            if (i < layers.Count - 1) h = nn.functional.relu(h);
        }
        if (type != ScalarType.Float32) h = h.to(ScalarType.Float32);
        if (Normalize) h = nn.functional.normalize(h, p: 2, dim: 1);
        return h.MoveToOuterDisposeScope();
    }
}
