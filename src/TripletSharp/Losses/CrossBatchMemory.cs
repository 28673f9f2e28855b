using TorchSharp;
using TripletSharp.Mining;
using static TorchSharp.torch;

namespace TripletSharp.Losses;

/// <summary>
/// Cross-batch memory (Wang et al. 2020, "Cross-Batch Memory for Embedding Learning"; PML's <c>CrossBatchMemory</c>):
/// a loss wrapper holding a ring buffer of the last <see cref="MemorySize"/> embeddings and labels (detached), mined
/// together with the current batch. Anchors come from the batch; positives and negatives from the batch followed by the
/// memory (<see cref="ReferenceSet"/>), on one B×(B+M) matrix: O(B·M) memory, never B·(B+M)². The gradient flows only
/// into the batch. The batch is enqueued after its loss, so the memory never holds the batch's own rows (PML enqueues
/// first and removes those self-comparisons; the result is the same). During the first
/// <see cref="WarmupBatches"/> batches, or while the memory is empty, the wrapped loss runs exactly as without memory
/// (bit-identical), since early embeddings drift too fast to be worth mining; the memory is filled meanwhile.
/// </summary>
/// <remarks>
/// Miners: semi-hard, hard, batch-all (bands, evaluated on the B×(B+M) matrix without materialising triplets) and
/// batch-hard (explicit). Others (FaceNet semi-hard, random, distance-weighted) are refused by
/// <see cref="BaseMiner.Mine(Tensor, Tensor, ReferenceSet)"/>; no miner means every valid triplet. Not thread-safe.
/// </remarks>
public sealed class CrossBatchMemory : IDisposable
{
    private Tensor? _embeddings;
    private Tensor? _labels;

    /// <summary>Creates the wrapper.</summary>
    /// <param name="loss">The wrapped loss.</param>
    /// <param name="miner">The miner (every valid triplet when null).</param>
    /// <param name="memorySize">M: embeddings kept (&gt; 0).</param>
    /// <param name="warmupBatches">Batches trained without memory before it is used (≥ 0).</param>
    /// <exception cref="NotSupportedException"><paramref name="miner"/> cannot mine against a memory.</exception>
    public CrossBatchMemory(BaseMetricLossFunction loss, BaseMiner? miner, int memorySize, int warmupBatches = 0)
    {
        Guard.NotNull(loss, nameof(loss));
        Guard.Positive(memorySize, nameof(memorySize));
        if (warmupBatches < 0)
            throw new ArgumentOutOfRangeException(nameof(warmupBatches), warmupBatches, $"'{nameof(warmupBatches)}' must be >= 0, got {warmupBatches}.");
        if (miner is not null && !miner.SupportsReferences)
            throw new NotSupportedException($"The '{miner.Name}' miner cannot mine against a cross-batch memory; use semihard, hard, batch-all or batch-hard.");
        Loss = loss;
        Miner = miner;
        MemorySize = memorySize;
        WarmupBatches = warmupBatches;
    }

    /// <summary>The wrapped loss.</summary>
    public BaseMetricLossFunction Loss { get; }

    /// <summary>The miner, or null for every valid triplet.</summary>
    public BaseMiner? Miner { get; }

    /// <summary>M.</summary>
    public int MemorySize { get; }

    /// <summary>Batches trained without memory before it is used.</summary>
    public int WarmupBatches { get; }

    /// <summary>Embeddings in the memory now (≤ M).</summary>
    public int Count { get; private set; }

    /// <summary>Ring-buffer slot the next enqueued row goes to.</summary>
    public int NextSlot { get; private set; }

    /// <summary>Batches seen (enqueued) so far.</summary>
    public long BatchesSeen { get; private set; }

    /// <summary>Whether the next batch is mined against the memory.</summary>
    public bool Active => BatchesSeen >= WarmupBatches && Count > 0;

    /// <summary>The statistics of the last batch's miner (null without a miner or before the first batch).</summary>
    public MiningStats? LastMiningStats { get; private set; }

    /// <summary>The loss of a batch (against the memory once <see cref="Active"/>), then enqueues the batch.</summary>
    /// <exception cref="ArgumentException">Bad embeddings or labels, or a dimension, dtype or device other than the memory's.</exception>
    public LossOutput ComputeDetailed(Tensor embeddings, Tensor labels)
    {
        Guard.Embeddings(embeddings);
        LossOutput output;
        if (!Active)
        {
            using var mined = Miner?.Mine(embeddings, labels);
            output = Loss.ComputeDetailed(embeddings, labels, mined);
            LastMiningStats = mined?.Stats;
        }
        else
        {
            using var scope = torch.NewDisposeScope();
            var references = new ReferenceSet(_embeddings!.narrow(0, 0, Count), _labels!.narrow(0, 0, Count));
            using var mined = Miner?.Mine(embeddings, labels, references);
            output = Loss.ComputeWithReferences(embeddings, labels, references, mined);
            LastMiningStats = mined?.Stats;
            output.Loss.MoveToOuterDisposeScope();
        }
        Enqueue(embeddings, labels);
        return output;
    }

    /// <summary>Adds a batch to the ring buffer (detached), overwriting the oldest rows when full.</summary>
    /// <exception cref="ArgumentException">Bad embeddings or labels, or a dimension, dtype or device other than the memory's.</exception>
    public void Enqueue(Tensor embeddings, Tensor labels)
    {
        Guard.Embeddings(embeddings);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var l = Guard.Labels(labels, embeddings.shape[0]);
        var x = embeddings.detach();
        if (_embeddings is null)
        {
            // Owned by this object across batches: out of every dispose scope, disposed by Reset/Dispose.
            _embeddings = zeros(MemorySize, x.shape[1], dtype: x.dtype, device: x.device).DetachFromDisposeScope();
            _labels = zeros(MemorySize, dtype: ScalarType.Int64, device: x.device).DetachFromDisposeScope();
        }
        else if (_embeddings.shape[1] != x.shape[1] || _embeddings.dtype != x.dtype || _embeddings.device_type != x.device_type)
            throw new ArgumentException($"The memory holds {_embeddings.dtype} rows of dimension {_embeddings.shape[1]} on {_embeddings.device}; got {x.dtype} of dimension {x.shape[1]} on {x.device}.", nameof(embeddings));
        long b = x.shape[0];
        // A batch larger than the memory: only its last M rows are kept.
        long skip = Math.Max(0, b - MemorySize);
        for (long i = skip; i < b;)
        {
            long n = Math.Min(b - i, MemorySize - NextSlot);
            _embeddings.narrow(0, NextSlot, n).copy_(x.narrow(0, i, n));
            _labels!.narrow(0, NextSlot, n).copy_(l.narrow(0, i, n).to(_labels.device));
            i += n;
            NextSlot = (int)((NextSlot + n) % MemorySize);
            Count = (int)Math.Min(MemorySize, Count + n);
        }
        BatchesSeen++;
    }

    /// <summary>A copy of the memory's rows in ring-buffer slot order (Count×D and Count), for inspection and checkpoints.</summary>
    public (Tensor Embeddings, Tensor Labels) Snapshot()
    {
        if (_embeddings is null || Count == 0)
            return (empty(0, 0), empty(0, dtype: ScalarType.Int64));
        return (_embeddings.narrow(0, 0, Count).clone(), _labels!.narrow(0, 0, Count).clone());
    }

    /// <summary>Restores a state saved from <see cref="Snapshot"/>, <see cref="NextSlot"/> and <see cref="BatchesSeen"/> (for resuming exactly).</summary>
    /// <exception cref="ArgumentException">A state that does not fit this memory.</exception>
    public void Restore(Tensor embeddings, Tensor labels, int nextSlot, long batchesSeen)
    {
        Guard.NotNull(embeddings, nameof(embeddings));
        Guard.NotNull(labels, nameof(labels));
        long count = embeddings.shape[0];
        if (count > MemorySize || labels.shape[0] != count || (count > 0 && embeddings.dim() != 2) || nextSlot < 0 || nextSlot >= MemorySize || batchesSeen < 0 || (count < MemorySize && nextSlot != count))
            throw new ArgumentException($"A memory state of {count} rows (next slot {nextSlot}, {batchesSeen} batches) does not fit a memory of {MemorySize}.", nameof(embeddings));
        Reset();
        if (count > 0)
        {
            _embeddings = zeros(MemorySize, embeddings.shape[1], dtype: embeddings.dtype, device: embeddings.device).DetachFromDisposeScope();
            _labels = zeros(MemorySize, dtype: ScalarType.Int64, device: embeddings.device).DetachFromDisposeScope();
            using (torch.no_grad())
            {
                _embeddings.narrow(0, 0, count).copy_(embeddings);
                _labels.narrow(0, 0, count).copy_(labels.to(ScalarType.Int64));
            }
        }
        Count = (int)count;
        NextSlot = nextSlot;
        BatchesSeen = batchesSeen;
    }

    /// <summary>Empties the memory and restarts the warm-up.</summary>
    public void Reset()
    {
        _embeddings?.Dispose();
        _labels?.Dispose();
        _embeddings = _labels = null;
        Count = NextSlot = 0;
        BatchesSeen = 0;
    }

    /// <inheritdoc />
    public void Dispose() => Reset();
}
