using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>The model the train and knn suites measure: the library's default <see cref="ConvNet"/>, as the trainer builds it.</summary>
internal static class DefaultModel
{
    /// <summary>The trainer's default embedding dimension.</summary>
    public const int EmbeddingDim = 64;

    /// <summary>What <see cref="Create"/> builds, for the report.</summary>
    public static string Description => $"ConvNet(1, 28, 28, {EmbeddingDim}, normalize)";

    /// <summary>The default model for C×H×W inputs, seeded.</summary>
    public static nn.Module<Tensor, Tensor> Create(long channels, long height, long width, long seed)
    {
        random.manual_seed(seed);
        return new ConvNet(channels, height, width, EmbeddingDim, normalize: true);
    }
}
