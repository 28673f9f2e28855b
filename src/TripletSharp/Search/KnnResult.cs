using static TorchSharp.torch;

namespace TripletSharp.Search;

/// <summary>Nearest neighbours of each query, nearest first.</summary>
/// <param name="Indices">Q×k int64 gallery row indices.</param>
/// <param name="Distances">Q×k values of the measure (for similarities, larger first).</param>
public sealed record KnnResult(Tensor Indices, Tensor Distances) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Indices.Dispose();
        Distances.Dispose();
    }
}
