using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>
/// The triplets a miner selected: either explicit <see cref="Indices"/>, or an implicit <see cref="Band"/>
/// over all valid triplets of the batch (measured with <see cref="Distance"/>). Exactly one of the two is set.
/// </summary>
public sealed class MiningResult : IDisposable
{
    private MiningResult(TripletIndices? indices, NegativeBand? band, BaseDistance distance, MiningStats stats)
    {
        Indices = indices;
        Band = band;
        Distance = distance;
        Stats = stats;
    }

    /// <summary>Explicit triplets, or null for a band selection.</summary>
    public TripletIndices? Indices { get; }

    /// <summary>Band selection, or null for explicit triplets.</summary>
    public NegativeBand? Band { get; }

    /// <summary>The measure the miner used to select.</summary>
    public BaseDistance Distance { get; }

    /// <summary>What the miner found.</summary>
    public MiningStats Stats { get; }

    /// <summary>A result with explicit triplets.</summary>
    public static MiningResult FromIndices(TripletIndices indices, BaseDistance distance, MiningStats stats) => new(indices, null, distance, stats);

    /// <summary>A result that selects every triplet in a band.</summary>
    public static MiningResult FromBand(NegativeBand band, BaseDistance distance, MiningStats stats) => new(null, band, distance, stats);

    /// <summary>The miner's distance matrix, reused by a loss on the same embeddings (null when not kept).</summary>
    internal MatrixCache? Cache { get; set; }

    /// <summary>The cached matrix of <paramref name="distance"/> on exactly these embeddings, if the miner kept one.</summary>
    internal Tensor? CachedMatrix(BaseDistance distance, Tensor embeddings) => Cache?.For(distance, embeddings);

    /// <inheritdoc />
    public void Dispose()
    {
        Indices?.Dispose();
        Cache?.Dispose();
    }
}
