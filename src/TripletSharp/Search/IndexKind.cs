namespace TripletSharp.Search;

/// <summary>How an <see cref="EmbeddingIndex"/> finds neighbours.</summary>
public enum IndexKind
{
    /// <summary>Exact blocked search over every item (<see cref="ExactKnn"/>).</summary>
    Exact,

    /// <summary>Approximate search in a USearch HNSW graph; distances of the candidates found are re-measured exactly.</summary>
    Hnsw,
}
