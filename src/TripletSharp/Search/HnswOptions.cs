namespace TripletSharp.Search;

/// <summary>
/// Settings of an HNSW index (USearch). The defaults (connectivity 32, expansion-add 256, expansion-search 256) are
/// higher than USearch's own (16, 128, 64): those gave recall@10 0.938 against exact search on 20,000 clustered 64-d
/// vectors, and the project's target is ≥ 0.99 at 1,000,000 with queries still ≥ 20× faster than exact (BENCHMARKS.md, search).
/// </summary>
public sealed record HnswOptions
{
    /// <summary>Links per node (M). Default 32. More: better recall, more memory, slower build.</summary>
    public int Connectivity { get; init; } = 32;

    /// <summary>Candidate list size while inserting (efConstruction). Default 256.</summary>
    public int ExpansionAdd { get; init; } = 256;

    /// <summary>Candidate list size while searching (ef); raised to k when smaller. Default 256. Can be changed on open.</summary>
    public int ExpansionSearch { get; init; } = 256;

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
