using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TripletSharp.Models;

/// <summary>
/// Embedding network on a pretrained-style backbone: a TorchVision ResNet or MobileNet without its classifier
/// (global-average-pooled features), then an embedding head: Linear(features → embedding dim), optionally
/// BatchNorm1d, optionally L2 normalisation. ResNet-18 and ResNet-34 can train in bfloat16 with float32 master
/// weights (<see cref="TrainingComputeType"/>).
/// </summary>
/// <remarks>
/// <para>
/// Parameter names: the backbone's are PyTorch's own under <see cref="BackbonePrefix"/> (<c>backbone.layer1.0.conv1.weight</c>),
/// so weights saved by PyTorch load by name (<see cref="PretrainedWeights"/>); the head's are <c>embedding.*</c> and
/// <c>embedding_bn.*</c>.
/// </para>
/// <para>
/// The backbones take colour images (3 channels). Grey images (1 channel) are repeated into the three channels inside
/// the network, which equals summing the first convolution's weights over the colour channels.
/// </para>
/// </remarks>
public sealed class BackboneNet : nn.Module<Tensor, Tensor>, IReducedPrecisionTraining
{
    private ScalarType trainingComputeType = ScalarType.Float32;

    /// <summary>Prefix of the backbone's parameter and buffer names in this module's state dictionary.</summary>
    public const string BackbonePrefix = "backbone.";

    private readonly BackboneTrunk backbone;
    private readonly Linear embedding;
    private readonly BatchNorm1d? embedding_bn;

    /// <summary>Creates the network with freshly initialised weights (TorchVision's initialisation; seed torch's generator first).</summary>
    /// <param name="kind">One of the backbone kinds (<see cref="IsBackbone"/>).</param>
    /// <param name="channels">Input channels: 3 (colour) or 1 (grey, repeated into three).</param>
    /// <param name="embeddingDim">Output dimension.</param>
    /// <param name="headBatchNorm">BatchNorm1d after the head's Linear layer.</param>
    /// <param name="normalize">L2-normalise every output row.</param>
    public BackboneNet(ModelKind kind, long channels = 3, long embeddingDim = 64, bool headBatchNorm = false, bool normalize = true) : base(nameof(BackboneNet))
    {
        if (!IsBackbone(kind))
            throw new ArgumentException($"'{nameof(kind)}' must be one of {string.Join(", ", Kinds)}, got {kind}.", nameof(kind));
        if (channels is not (1 or 3))
            throw new ArgumentException($"The {kind} backbone takes colour (3-channel) or grey (1-channel) images, but the items have {channels} channels.", nameof(channels));
        Guard.Positive(embeddingDim, nameof(embeddingDim));
        Kind = kind;
        Channels = channels;
        EmbeddingDim = embeddingDim;
        HeadBatchNorm = headBatchNorm;
        Normalize = normalize;
        FeatureDim = BackboneTrunk.FeatureDim(kind);
        backbone = new BackboneTrunk(kind);
        embedding = nn.Linear(FeatureDim, embeddingDim);
        embedding_bn = headBatchNorm ? nn.BatchNorm1d(embeddingDim) : null;
        RegisterComponents();
    }

    /// <summary>The backbone kinds, in the order of the command line.</summary>
    public static IReadOnlyList<ModelKind> Kinds { get; } =
        [ModelKind.ResNet18, ModelKind.ResNet34, ModelKind.ResNet50, ModelKind.MobileNetV2, ModelKind.MobileNetV3Small, ModelKind.MobileNetV3Large];

    /// <summary>Whether <paramref name="kind"/> is one of the backbones this class builds.</summary>
    public static bool IsBackbone(ModelKind kind) => Kinds.Contains(kind);

    /// <summary>The prefix of the classifier's keys in PyTorch's <c>state_dict()</c> of the full TorchVision model (<c>fc.</c> or <c>classifier.</c>).</summary>
    public static string ClassifierPrefix(ModelKind kind) => IsBackbone(kind)
        ? BackboneTrunk.ClassifierPrefix(kind)
        : throw new ArgumentException($"{kind} is not a backbone.", nameof(kind));

    /// <summary>The architecture.</summary>
    public ModelKind Kind { get; }

    /// <summary>Input channels (1 or 3).</summary>
    public long Channels { get; }

    /// <summary>Output dimension.</summary>
    public long EmbeddingDim { get; }

    /// <summary>Width of the backbone's pooled features (the head's input).</summary>
    public long FeatureDim { get; }

    /// <summary>Whether the head has a BatchNorm1d after its Linear layer.</summary>
    public bool HeadBatchNorm { get; }

    /// <summary>Whether outputs are L2-normalised.</summary>
    public bool Normalize { get; }

    /// <summary>The backbone: N×3×H×W images → N×<see cref="FeatureDim"/> pooled features.</summary>
    public nn.Module<Tensor, Tensor> Backbone => backbone;

    /// <summary>The backbone's parameters (the optimiser's backbone group; frozen while the backbone is).</summary>
    public IEnumerable<Parameter> BackboneParameters() => backbone.parameters();

    /// <summary>The head's parameters (Linear, and BatchNorm1d when present).</summary>
    public IEnumerable<Parameter> HeadParameters() =>
        embedding_bn is null ? embedding.parameters() : embedding.parameters().Concat(embedding_bn.parameters());

    /// <inheritdoc/>
    public ScalarType TrainingComputeType
    {
        get => trainingComputeType;
        set => trainingComputeType = ReducedPrecision.Validate(value, SupportsReducedPrecision, ModelKinds.Name(Kind));
    }

    /// <inheritdoc/>
    public bool SupportsReducedPrecision => backbone.HasReducedPath;

    /// <summary>Embeds an N×C×H×W batch into N×<see cref="EmbeddingDim"/>.</summary>
    public override Tensor forward(Tensor input)
    {
        Guard.NotNull(input, nameof(input));
        if (input.dim() != 4 || input.shape[1] != Channels)
            throw new ArgumentException($"{Kind} expects N×{Channels}×H×W input, got [{string.Join(", ", input.shape)}].", nameof(input));
        using var scope = torch.NewDisposeScope();
        var x = Channels == 1 ? input.expand(-1, 3, -1, -1) : input;
        // Reduced precision: the backbone and the head's Linear in that type (weights cast in the graph), then float32.
        var e = training && trainingComputeType != ScalarType.Float32
            ? nn.functional.linear(backbone.ForwardReduced(x, trainingComputeType), embedding.weight!.to(trainingComputeType),
                ReducedPrecision.Cast(embedding.bias, trainingComputeType)).to(ScalarType.Float32)
            : embedding.forward(backbone.forward(x));
        if (embedding_bn is not null) e = embedding_bn.forward(e);
        if (Normalize) e = nn.functional.normalize(e, p: 2, dim: 1);
        return e.MoveToOuterDisposeScope();
    }
}
