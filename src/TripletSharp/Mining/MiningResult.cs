using TripletSharp.Distances;
using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>
/// The triplets a miner selected: either explicit <see cref="Indices"/>, or an implicit <see cref="Band"/>
/// over all valid triplets of the batch (measured with <see cref="Distance"/>). Exactly one of the two is set.
/// </summary>
public sealed class MiningResult : IDisposable
{
    private MiningStats? _stats;
    private Func<MiningStats>? _computeStats;

    private MiningResult(TripletIndices? indices, NegativeBand? band, BaseDistance distance, MiningStats? stats, Func<MiningStats>? computeStats = null)
    {
        Indices = indices;
        Band = band;
        Distance = distance;
        _stats = stats;
        _computeStats = computeStats;
    }

    /// <summary>Explicit triplets, or null for a band selection.</summary>
    public TripletIndices? Indices { get; }

    /// <summary>Band selection, or null for explicit triplets.</summary>
    public NegativeBand? Band { get; }

    /// <summary>
    /// The reference set the triplets were mined against (positives and negatives are then reference indices: j &lt; B
    /// is batch row j, j ≥ B row j − B of the set), or null for a batch-only selection.
    /// </summary>
    public ReferenceSet? References { get; internal set; }

    /// <summary>The measure the miner used to select.</summary>
    public BaseDistance Distance { get; }

    /// <summary>What the miner found.</summary>
    /// <remarks>
    /// For band selections on CPU the statistics are computed on first use, or by a loss (<c>TripletMarginLoss</c>)
    /// as a by-product of the same pass when it runs on this result first (the pass costs about as much as the loss);
    /// read them before the result or its dispose scope is disposed.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">Read for the first time after the batch's distance matrix was disposed.</exception>
    public MiningStats Stats
    {
        get
        {
            if (_stats is MiningStats known) return known;
            if (Cache is null || Cache.Matrix.IsInvalid)
                throw new ObjectDisposedException(nameof(MiningResult), "The mining statistics are computed on first use from the batch's distance matrix, which has been disposed; read Stats before disposing the result or leaving its dispose scope.");
            var computed = _computeStats!();
            _stats = computed;
            _computeStats = null;
            return computed;
        }
    }

    /// <summary>Whether <see cref="Stats"/> still has to be computed.</summary>
    internal bool StatsPending => _stats is null;

    /// <summary>Supplies statistics computed elsewhere (by the loss, in the same pass).</summary>
    internal void SupplyStats(MiningStats stats)
    {
        _stats ??= stats;
        _computeStats = null;
    }

    /// <summary>A band result whose statistics are computed on first use (the cache must be attached).</summary>
    internal static MiningResult FromBandLazy(NegativeBand band, BaseDistance distance, Func<MiningStats> computeStats) => new(null, band, distance, null, computeStats);

    /// <summary>A result with explicit triplets.</summary>
    public static MiningResult FromIndices(TripletIndices indices, BaseDistance distance, MiningStats stats) => new(indices, null, distance, stats);

    /// <summary>A result that selects every triplet in a band.</summary>
    public static MiningResult FromBand(NegativeBand band, BaseDistance distance, MiningStats stats) => new(null, band, distance, stats);

    /// <summary>The miner's distance matrix, reused by a loss on the same embeddings (null when not kept).</summary>
    internal MatrixCache? Cache { get; set; }

    /// <summary>The label pair table a band result was mined with (host arrays), handed to the matrix cache for the loss to reuse.</summary>
    internal PairTable? BandTable { get; set; }

    /// <summary>The cached matrix of <paramref name="distance"/> on exactly these embeddings, if the miner kept one.</summary>
    internal Tensor? CachedMatrix(BaseDistance distance, Tensor embeddings) => Cache?.For(distance, embeddings);

    /// <inheritdoc />
    public void Dispose()
    {
        Indices?.Dispose();
        Cache?.Dispose();
    }
}
