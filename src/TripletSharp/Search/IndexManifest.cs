namespace TripletSharp.Search;

/// <summary>The content of <c>index.json</c>.</summary>
internal sealed class IndexManifest
{
    public string? Format { get; set; }

    public int FormatVersion { get; set; }

    public IndexKind Kind { get; set; }

    public int Count { get; set; }

    public int Dimension { get; set; }

    public string? Measure { get; set; }

    public bool NormalizeEmbeddings { get; set; }

    public string? ModelFingerprint { get; set; }

    public HnswOptions? Hnsw { get; set; }

    public string? Generation { get; set; }

    public string? SavedUtc { get; set; }

    public IndexFileEntry[]? Files { get; set; }
}

/// <summary>One file of an index folder, as the manifest lists it.</summary>
internal sealed class IndexFileEntry
{
    public string? Name { get; set; }

    public long Bytes { get; set; }

    public string? Sha256 { get; set; }
}
