using System.Buffers;
using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>
/// Plumbing shared by every miner: argument checks, <c>no_grad</c>, a dispose scope, the distance matrix and
/// the same/other-class masks. A variant only implements <see cref="MineCore"/>.
/// </summary>
public abstract class BaseMiner
{
    /// <summary>Creates a miner that selects with <paramref name="distance"/> (Euclidean when null).</summary>
    protected BaseMiner(BaseDistance? distance) => Distance = distance ?? new EuclideanDistance();

    /// <summary>The measure used to select triplets.</summary>
    public BaseDistance Distance { get; }

    /// <summary>Short name used in configs and the CLI (for example <c>semihard</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Embedding dimension of the batch being mined (valid inside <see cref="MineCore"/>).</summary>
    private protected long EmbeddingDimension { get; private set; }

    /// <summary>Selects triplets from a batch of <paramref name="embeddings"/> (B×D) with class <paramref name="labels"/> (B or B×1).</summary>
    /// <exception cref="ArgumentException">Embeddings not 2-D, empty, not floating point or not finite; labels of the wrong shape or type.</exception>
    public MiningResult Mine(Tensor embeddings, Tensor labels)
    {
        Guard.Embeddings(embeddings);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var l = Guard.LabelsOrMatches(labels, embeddings.shape[0]).to(embeddings.device);
        EmbeddingDimension = embeddings.shape[1];
        var matrix = Distance.Matrix(embeddings.detach());
        var result = MineCore(matrix, l);
        result.Indices?.MoveToOuterDisposeScope();
        result.Cache = new MatrixCache(Distance, matrix.MoveToOuterDisposeScope(), MatrixCache.Of(embeddings).MoveToOuterDisposeScope()) { Table = result.BandTable };
        return result;
    }

    /// <summary>
    /// Selects triplets whose anchors are the batch and whose positives and negatives come from the batch followed by
    /// <paramref name="references"/> (a cross-batch memory, for example): the result's indices are reference indices
    /// (j &lt; B: batch row j). With null references this is <see cref="Mine(Tensor, Tensor)"/>. Only miners whose rule
    /// is defined per anchor over any set of candidates support references (<see cref="SupportsReferences"/>); they work
    /// on the B×(B+M) matrix, never on anything of size B·(B+M)².
    /// </summary>
    /// <exception cref="ArgumentException">Bad embeddings, labels or references.</exception>
    /// <exception cref="NotSupportedException">This miner does not mine against a reference set.</exception>
    public MiningResult Mine(Tensor embeddings, Tensor labels, ReferenceSet? references)
    {
        if (references is null) return Mine(embeddings, labels);
        Guard.Embeddings(embeddings);
        references.CheckAgainst(embeddings);
        if (!SupportsReferences)
            throw new NotSupportedException($"The '{Name}' miner cannot mine against a reference set (cross-batch memory); use semihard, hard, batch-all or batch-hard.");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var l = Guard.Labels(labels, embeddings.shape[0]).to(embeddings.device);
        EmbeddingDimension = embeddings.shape[1];
        var x = embeddings.detach();
        var matrix = Distance.Matrix(x, cat(new[] { x, references.Embeddings }, 0));
        var table = CrossPairTable.Build(l, cat(new[] { l, references.Labels.to(l.device) }, 0));
        MiningResult result;
        if (ReferenceBand is NegativeBand band)
        {
            var e = Distance.ToDistanceLike(matrix);
            if (table.HasTriplets && !EngineSwitches.TorchOnly && HostTensor.IsKernelReady(e))
            {
                // As for a batch: the statistics are deferred, since the loss's pass on the same A×R matrix gives them;
                // the matrix is kept for the loss and for a later first read. Only the table's host arrays are captured.
                var cache = new MatrixCache(Distance, matrix.MoveToOuterDisposeScope(), MatrixCache.Of(embeddings).MoveToOuterDisposeScope());
                bool inverted = Distance.IsInverted;
                var engineBand = band.ToEngine();
                result = MiningResult.FromBandLazy(band, Distance, () =>
                {
                    using var statsScope = torch.NewDisposeScope();
                    return MiningStats.FromBand(BandMath.EvaluateReferences(Distance.ToDistanceLike(cache.Matrix), table, engineBand, null, null), table.Anchors, inverted);
                });
                result.Cache = cache;
            }
            else
            {
                var totals = table.HasTriplets ? BandMath.EvaluateReferences(e, table, band.ToEngine(), null, null) : default;
                result = MiningResult.FromBand(band, Distance, MiningStats.FromBand(totals, table.Anchors, Distance.IsInverted));
            }
        }
        else
        {
            result = MineAgainst(matrix, table);
            result.Indices?.MoveToOuterDisposeScope();
        }
        result.References = references;
        return result;
    }

    /// <summary>Whether <see cref="Mine(Tensor, Tensor, ReferenceSet)"/> accepts a reference set.</summary>
    public virtual bool SupportsReferences => ReferenceBand is not null;

    /// <summary>The band a band miner selects (also against a reference set); null for miners that select explicit triplets.</summary>
    private protected virtual NegativeBand? ReferenceBand => null;

    /// <summary>Explicit triplets against a reference set, given the A×R matrix (no_grad); miners that support it override this.</summary>
    private protected virtual MiningResult MineAgainst(Tensor distances, CrossPairTable table) =>
        throw new NotSupportedException($"The '{Name}' miner cannot mine against a reference set.");

    /// <summary>Selects triplets given the B×B matrix of <see cref="Distance"/> and int64 labels; runs under no_grad.</summary>
    protected abstract MiningResult MineCore(Tensor distances, Tensor labels);

    /// <summary>A result with explicit triplets and their statistics.</summary>
    private protected MiningResult Explicit(Tensor distances, Tensor anchors, Tensor positives, Tensor negatives)
    {
        var indices = new TripletIndices(anchors, positives, negatives);
        return MiningResult.FromIndices(indices, Distance, MiningStats.FromIndices(distances, indices));
    }

    /// <summary>
    /// A result with the explicit triplets a CPU kernel chose (<see cref="SlotTriplets"/>; the matrix is on the CPU):
    /// <paramref name="choose"/> writes each (anchor, positive slot)'s negative or −1 into a pooled array of
    /// <see cref="SlotTriplets.Count"/> entries (this runs on every training step; fresh arrays cost page faults).
    /// </summary>
    private protected MiningResult Explicit(Tensor distances, PairTable table, Action<int[]> choose)
    {
        var chosen = ArrayPool<int>.Shared.Rent(SlotTriplets.Count(table));
        try
        {
            choose(chosen);
            var (anchors, positives, negatives) = SlotTriplets.ToTensors(table, chosen);
            return Explicit(distances, anchors, positives, negatives);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(chosen);
        }
    }

    /// <summary>
    /// A band result. Its statistics cost one O(B²) pass; on CPU that pass is deferred (see <see cref="MiningResult.Stats"/>)
    /// because the loss computes them in its own pass, otherwise it runs now.
    /// </summary>
    private protected MiningResult Band(Tensor distances, Tensor labels, NegativeBand band)
    {
        var table = PairTable.BuildHost(labels);
        bool inverted = Distance.IsInverted;
        if (!EngineSwitches.TorchOnly && HostTensor.IsKernelReady(distances))
        {
            // Only host data is captured (the table is host-only; the loss reuses it through the matrix cache).
            long batch = table.Batch;
            var lazy = MiningResult.FromBandLazy(band, Distance, () =>
            {
                using var noGrad = torch.no_grad();
                var m = distances;
                return table.HasTriplets ? MiningStats.FromBand(BandKernel.Evaluate(m, inverted, table, band.ToEngine(), null, null), batch, inverted) : MiningStats.Empty;
            });
            lazy.BandTable = table;
            return lazy;
        }
        var totals = BandMath.Evaluate(distances, inverted, table, band.ToEngine(), null, null);
        var result = MiningResult.FromBand(band, Distance, MiningStats.FromBand(totals, table.Batch, inverted));
        result.BandTable = table;
        return result;
    }

    /// <summary>A result with no triplet.</summary>
    private protected MiningResult Empty(Tensor distances)
    {
        var none = empty(0, dtype: ScalarType.Int64, device: distances.device);
        return MiningResult.FromIndices(new TripletIndices(none, none.clone(), none.clone()), Distance, MiningStats.Empty);
    }
}
