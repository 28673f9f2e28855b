namespace TripletSharp.Search;

/// <summary>How an HNSW graph stores its vectors (the index folder always keeps the float32 embeddings too).</summary>
public enum HnswScalar
{
    /// <summary>32-bit floats.</summary>
    F32,

    /// <summary>16-bit floats: half the graph's memory.</summary>
    F16,

    /// <summary>8-bit integers (×127 of values in [−1, 1]): only for measures on L2-normalised vectors (cosine, or normalize on).</summary>
    I8,
}
