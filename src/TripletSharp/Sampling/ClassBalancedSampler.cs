namespace TripletSharp.Sampling;

/// <summary>
/// P classes × K samples per batch (PML's MPerClassSampler). Deterministic for a seed and epoch; draws with
/// replacement only for classes with fewer than K items.
/// </summary>
public sealed class ClassBalancedSampler
{
    /// <summary>Creates a sampler over the dataset's <paramref name="labels"/>.</summary>
    /// <param name="labels">Class id of every item of the dataset.</param>
    /// <param name="classesPerBatch">P: classes per batch.</param>
    /// <param name="samplesPerClass">K: items per class in a batch.</param>
    /// <param name="seed">Seed; with the epoch number it fixes every batch.</param>
    /// <param name="batchesPerEpoch">Batches per epoch; by default ⌈items / (P·K)⌉.</param>
    public ClassBalancedSampler(IReadOnlyList<long> labels, int classesPerBatch, int samplesPerClass, int seed = 0, int? batchesPerEpoch = null) => throw new NotImplementedException();

    /// <summary>P.</summary>
    public int ClassesPerBatch { get; }

    /// <summary>K.</summary>
    public int SamplesPerClass { get; }

    /// <summary>P·K.</summary>
    public int BatchSize => ClassesPerBatch * SamplesPerClass;

    /// <summary>Batches in one epoch.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>The batches (dataset indices) of one epoch; the same for the same seed and epoch.</summary>
    public IEnumerable<int[]> GetEpoch(int epoch) => throw new NotImplementedException();
}
