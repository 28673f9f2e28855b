namespace TripletSharp.Search;

/// <summary>How <see cref="EmbeddingIndex.Open"/> reads an index folder.</summary>
public sealed class IndexOpenOptions
{
    /// <summary>Check every file's SHA-256 against the manifest (sizes are always checked). Default true.</summary>
    public bool Verify { get; set; } = true;

    /// <summary>HNSW: map the graph and the embeddings from disk instead of reading them into memory. Default true.</summary>
    public bool View { get; set; } = true;

    /// <summary>HNSW: expansion-search to use instead of the saved one.</summary>
    public int? ExpansionSearch { get; set; }
}
