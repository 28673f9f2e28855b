namespace TripletSharp.Search;

/// <summary>How <see cref="EmbeddingIndex.Open"/> reads an index folder.</summary>
public sealed record IndexOpenOptions
{
    /// <summary>
    /// Check every file's SHA-256 against the manifest (sizes are always checked). Default true. Turning it off makes
    /// opening a large index faster but hands a same-size corrupted graph file to USearch unchecked, where it may crash
    /// the process; only do so for folders this process wrote itself.
    /// </summary>
    public bool Verify { get; init; } = true;

    /// <summary>HNSW: map the graph and the embeddings from disk instead of reading them into memory. Default true.</summary>
    public bool View { get; init; } = true;

    /// <summary>HNSW: expansion-search to use instead of the saved one.</summary>
    public int? ExpansionSearch { get; init; }
}
