using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Search;

/// <summary>Exact k-nearest-neighbour search in blocks of queries (matrix product + top-k), so memory stays bounded by the block size.</summary>
public static class ExactKnn
{
    /// <summary>The <paramref name="k"/> nearest gallery rows of every query row, nearest first.</summary>
    /// <param name="queries">Q×D query embeddings.</param>
    /// <param name="gallery">G×D gallery embeddings.</param>
    /// <param name="k">Neighbours per query.</param>
    /// <param name="distance">Measure (Euclidean when null).</param>
    /// <param name="excludeSelf">Query i is gallery row i (query = gallery): exclude that row by index, not by zero distance.</param>
    /// <param name="blockSize">Queries per block.</param>
    public static KnnResult Search(Tensor queries, Tensor gallery, int k, BaseDistance? distance = null, bool excludeSelf = false, int blockSize = 4096) =>
        throw new NotImplementedException();
}
