using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>The model the train and knn suites measure: the library's default ConvNet.</summary>
internal static class DefaultModel
{
    public const int EmbeddingDim = 128;

    /// <summary>What <see cref="Create"/> builds, for the report.</summary>
    public static string Description => "StandInConvNet (TripletSharp.Models.ConvNet not merged yet)";

    /// <summary>The default model for C×H×W inputs, seeded.</summary>
    public static nn.Module<Tensor, Tensor> Create(long channels, long height, long width, long seed)
    {
        random.manual_seed(seed);
        return new StandInConvNet(channels, EmbeddingDim);
    }
}
