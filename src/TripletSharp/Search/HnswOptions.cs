namespace TripletSharp.Search;

/// <summary>
/// Settings of an HNSW index (USearch). The graph defaults (connectivity 32, expansion-add 256) are higher than
/// USearch's own (16, 128): those gave recall@10 0.938 against exact search on 20,000 clustered 64-d vectors. The
/// search default (expansion-search 128) is the smallest swept value with recall@10 ≥ 0.999 on 1,000,000 vectors shaped
/// like a trained model's embeddings, where it is 28× faster than exact search (BENCHMARKS.md, search).
/// </summary>
public sealed record HnswOptions
{
    /// <summary>Links per node (M). Default 32. More: better recall, more memory, slower build.</summary>
    public int Connectivity { get; init; } = 32;

    /// <summary>Candidate list size while inserting (efConstruction). Default 256.</summary>
    public int ExpansionAdd { get; init; } = 256;

    /// <summary>Candidate list size while searching (ef); raised to k when smaller. Default 128. Can be changed on open.</summary>
    public int ExpansionSearch { get; init; } = 128;

    /// <summary>How the graph stores vectors. Default <see cref="HnswScalar.F32"/>.</summary>
    public HnswScalar Scalar { get; init; } = HnswScalar.F32;

    /// <summary>
    /// Threads that insert vectors. Default 1, which makes the graph (and so every search result) the same on every
    /// run; more threads build faster but the graph may then differ from run to run.
    /// </summary>
    public int BuildThreads { get; init; } = 1;


    internal void Validate()
    {
        Guard.Positive(Connectivity, nameof(Connectivity));
        if (Connectivity < 2) throw new ArgumentOutOfRangeException(nameof(Connectivity), Connectivity, $"'{nameof(Connectivity)}' must be >= 2, got {Connectivity}.");
        Guard.Positive(ExpansionAdd, nameof(ExpansionAdd));
        Guard.Positive(ExpansionSearch, nameof(ExpansionSearch));
        Guard.Positive(BuildThreads, nameof(BuildThreads));
        if (!Enum.IsDefined(Scalar)) throw new ArgumentOutOfRangeException(nameof(Scalar), Scalar, $"'{nameof(Scalar)}' is not a known scalar kind: {Scalar}.");
    }
}
