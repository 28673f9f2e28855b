using static TorchSharp.torch;

namespace TripletSharp.Models;

/// <summary>Everything needed to rebuild an embedding network before its weights are loaded.</summary>
public sealed record ModelArchitecture
{
    /// <summary>The architecture.</summary>
    public ModelKind Kind { get; init; } = ModelKind.ConvNet;

    /// <summary>Shape of one input item: [C, H, W] for images, [F] for vectors.</summary>
    public long[] InputShape { get; init; } = [];

    /// <summary>Output dimension.</summary>
    public int EmbeddingDim { get; init; } = 64;

    /// <summary>Hidden layer widths (<see cref="ModelKind.Mlp"/> only).</summary>
    public int[] HiddenSizes { get; init; } = [];

    /// <summary>Whether outputs are L2-normalised.</summary>
    public bool Normalize { get; init; } = true;

    /// <summary>Backbones (<see cref="BackboneNet"/>) only: a BatchNorm1d after the embedding head's Linear layer.</summary>
    public bool HeadBatchNorm { get; init; }

    /// <summary>Builds a freshly initialised module (seed the global generator first for reproducible weights).</summary>
    /// <exception cref="InvalidOperationException">The kind is <see cref="ModelKind.Custom"/>, which only the caller can build.</exception>
    public nn.Module<Tensor, Tensor> Create()
    {
        Guard.NotNull(InputShape, nameof(InputShape));
        Guard.Positive(EmbeddingDim, nameof(EmbeddingDim));
        switch (Kind)
        {
            case ModelKind.ConvNet:
                if (InputShape.Length != 3)
                    throw new ArgumentException($"The ConvNet needs image input (C×H×W), but the items have shape [{string.Join(", ", InputShape)}]; use the MLP for vectors.", nameof(InputShape));
                return new ConvNet(InputShape[0], InputShape[1], InputShape[2], EmbeddingDim, Normalize);
            case ModelKind.Mlp:
                if (InputShape.Length == 0)
                    throw new ArgumentException("The MLP needs a known input shape.", nameof(InputShape));
                return new Mlp(InputShape.Aggregate(1L, (a, b) => a * b), HiddenSizes, EmbeddingDim, Normalize);
            case var kind when BackboneNet.IsBackbone(kind):
                if (InputShape.Length != 3)
                    throw new ArgumentException($"The {kind} backbone needs image input (C×H×W), but the items have shape [{string.Join(", ", InputShape)}].", nameof(InputShape));
                return new BackboneNet(kind, InputShape[0], EmbeddingDim, HeadBatchNorm, Normalize);
            default:
                throw new InvalidOperationException("A custom architecture cannot be rebuilt from its description; pass the module to load it.");
        }
    }
}
