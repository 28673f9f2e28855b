using TripletSharp.Components;
using TripletSharp.Data;
using TripletSharp.Models;

namespace TripletSharp.Training;

/// <summary>
/// Everything that drives a <see cref="Trainer"/>. Names of miners, distances and reducers are those of
/// <see cref="ComponentRegistry"/> (the CLI's values). The defaults train a good model on the bundled sample.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 12;

    /// <summary>P: classes per batch.</summary>
    public int ClassesPerBatch { get; init; } = 8;

    /// <summary>K: items per class in a batch.</summary>
    public int SamplesPerClass { get; init; } = 16;

    /// <summary>Batches per epoch; by default ⌊training items / (P·K)⌋ (at least 1), so an epoch sees about every item once and none twice.</summary>
    public int? BatchesPerEpoch { get; init; }

    /// <summary>Miner name (see <see cref="ComponentRegistry.MinerNames"/>).</summary>
    public string Miner { get; init; } = "semihard";

    /// <summary>Distance name (see <see cref="ComponentRegistry.DistanceNames"/>); used by the miner, the loss and evaluation.</summary>
    public string Distance { get; init; } = "euclidean";

    /// <summary>Triplet margin (also the semi-hard band width).</summary>
    public double Margin { get; init; } = 0.2;

    /// <summary>Use the soft-margin (softplus) loss instead of the hinge.</summary>
    public bool SoftMargin { get; init; }

    /// <summary>Loss reducer name (see <see cref="ComponentRegistry.ReducerNames"/>).</summary>
    public string Reducer { get; init; } = "avg-nonzero";

    /// <summary>Optimiser.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>
    /// Cross-batch memory size M (Wang et al. 2020; 0: off): the last M training embeddings and labels are kept and
    /// mined together with each batch (see <see cref="Losses.CrossBatchMemory"/>). Needs a miner that supports it
    /// (semihard, hard, batch-all, batch-hard). The memory is saved with every checkpoint, so resuming is exact.
    /// </summary>
    public int MemorySize { get; init; }

    /// <summary>Batches trained without the memory before it is used (it fills meanwhile); early embeddings drift fast.</summary>
    public int MemoryWarmupBatches { get; init; }

    /// <summary>Base learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>L2 weight decay.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Learning-rate schedule.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Cosine;

    /// <summary>Step schedule: epochs between decays; by default a third of the epochs (at least 1).</summary>
    public int? StepEpochs { get; init; }

    /// <summary>Step schedule: factor applied at every decay.</summary>
    public double StepGamma { get; init; } = 0.1;

    /// <summary>Seed of weight initialisation, sampling and stochastic miners.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Intra-op CPU threads. Torch's thread count is process-wide, so it is set only when this is given; when null the
    /// run uses torch's current setting (recorded in the resolved options). Results are reproducible for the same seed
    /// and threads.
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>Architecture; the ConvNet for images and the MLP for vectors when null.</summary>
    public ModelKind? Model { get; init; }

    /// <summary>Embedding dimension.</summary>
    public int EmbeddingDim { get; init; } = 64;

    /// <summary>MLP hidden layer widths.</summary>
    public int[] HiddenSizes { get; init; } = [256, 128];

    /// <summary>L2-normalise the embeddings (built-in networks do it inside; a custom module's output is normalised by the trainer and by <see cref="ModelBundle"/>).</summary>
    public bool Normalize { get; init; } = true;

    /// <summary>Backbones only: a BatchNorm1d after the embedding head's Linear layer.</summary>
    public bool HeadBatchNorm { get; init; }

    /// <summary>
    /// Backbones only: pretrained weights for the backbone, a PyTorch <c>state_dict()</c> file (<c>.pt</c>/<c>.pth</c>) or
    /// <c>.safetensors</c> of the TorchVision model of the same kind (see <see cref="PretrainedWeights"/>). Loaded at the
    /// start of a run (not when resuming: the checkpoint holds the weights). Implies <see cref="ImageNetNormalization"/>.
    /// </summary>
    public string? Weights { get; init; }

    /// <summary>
    /// Standardise images with the ImageNet mean and standard deviation (<see cref="InputNormalization.ImageNet"/>), as
    /// pretrained backbones expect, instead of the training split's own statistics; recorded in <c>model.json</c>.
    /// Always on when <see cref="Weights"/> is given.
    /// </summary>
    public bool ImageNetNormalization { get; init; }

    /// <summary>
    /// Backbones only: train only the head for the first this many epochs. While frozen the backbone's parameters get no
    /// gradient and its BatchNorm layers stay in eval mode (running statistics fixed). The state depends only on the
    /// epoch, so resuming is exact.
    /// </summary>
    public int FreezeBackboneEpochs { get; init; }

    /// <summary>Backbones only: the backbone's learning rate as a fraction of the head's (a separate optimiser parameter group).</summary>
    public double BackboneLrScale { get; init; } = 1;

    /// <summary>
    /// Linear learning-rate warm-up over the first this many epochs: the scheduled rate is multiplied by
    /// min(1, (step + 1) / (<see cref="WarmupEpochs"/> × batches per epoch)) at 0-based global step <c>step</c>.
    /// </summary>
    public int WarmupEpochs { get; init; }

    /// <summary>Images: mirror each training item left–right with probability ½ (seeded per batch, so resuming stays exact).</summary>
    public bool RandomFlip { get; init; }

    /// <summary>
    /// Images: training augmentation (<see cref="ImageAugmentation.For"/>): none, light (random resized crop of 50–100 %
    /// of the area, flip) or standard (crop of 8–100 %, flip, colour jitter). Each item's random numbers come from the
    /// seed, the epoch, the batch and its position, so resuming gives the same images. Batches are then prepared on
    /// worker threads ahead of the step.
    /// </summary>
    public AugmentLevel Augment { get; init; }

    /// <summary>Evaluate on the test split after every epoch (otherwise after the last one only).</summary>
    public bool EvaluateEveryEpoch { get; init; } = true;

    /// <summary>Compute NMI (k-means) during evaluation.</summary>
    public bool ComputeNmi { get; init; } = true;

    /// <summary>Items per forward pass when embedding the test split.</summary>
    public int EvalBatchSize { get; init; } = Models.ModelBundle.DefaultEmbedBatchSize;

    /// <summary>
    /// Run folder (see <see cref="Training.RunFolder"/>); when null, training happens in memory and writes nothing
    /// (the model is in <see cref="TrainingResult.Model"/>). <see cref="Training.RunFolder.DefaultDirectory"/> names a fresh one.
    /// </summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Continue the run in <see cref="OutputDirectory"/> from its checkpoint.</summary>
    public bool Resume { get; init; }

    /// <summary>Also checkpoint every this many batches within an epoch (0: only at the end of each epoch and on interruption).</summary>
    public int CheckpointEveryBatches { get; init; }

    /// <summary>
    /// Time the floor side by side with training: after every real step, a copy of the model (made at the start of the
    /// epoch, with its own optimiser, so training is unaffected) does forward + backward (trivial loss) + optimiser step
    /// on the same batch. Reported per epoch as <see cref="EpochRecord.FloorSeconds"/>; it roughly doubles the epoch's time.
    /// </summary>
    public bool MeasureFloor { get; init; }

    /// <summary>
    /// Precision of the training step (<see cref="TrainingPrecision"/>); evaluation and the saved weights are float32
    /// either way. Falls back to float32 with a notice where the model or the hardware has no bfloat16 path.
    /// </summary>
    public TrainingPrecision Precision { get; init; }

    /// <summary>Checks every value; throws an <see cref="ArgumentException"/> naming the property.</summary>
    public void Validate()
    {
        Guard.Positive(Epochs, nameof(Epochs));
        Guard.Positive(ClassesPerBatch, nameof(ClassesPerBatch));
        Guard.Positive(SamplesPerClass, nameof(SamplesPerClass));
        if (ClassesPerBatch < 2)
            throw new ArgumentOutOfRangeException(nameof(ClassesPerBatch), ClassesPerBatch, $"'{nameof(ClassesPerBatch)}' must be >= 2: a triplet needs a negative from another class, got {ClassesPerBatch}.");
        if (SamplesPerClass < 2)
            throw new ArgumentOutOfRangeException(nameof(SamplesPerClass), SamplesPerClass, $"'{nameof(SamplesPerClass)}' must be >= 2: a triplet needs a positive of the same class, got {SamplesPerClass}.");
        if (BatchesPerEpoch is { } b) Guard.Positive(b, nameof(BatchesPerEpoch));
        ComponentRegistry.CheckMinerName(Miner, nameof(Miner));
        ComponentRegistry.CheckDistanceName(Distance, nameof(Distance));
        ComponentRegistry.CheckReducerName(Reducer, nameof(Reducer));
        Guard.NonNegative(Margin, nameof(Margin));
        if (!Enum.IsDefined(Augment))
            throw new ArgumentOutOfRangeException(nameof(Augment), Augment, $"'{nameof(Augment)}' is not a known augmentation level: {Augment}.");
        if (!Enum.IsDefined(Precision))
            throw new ArgumentOutOfRangeException(nameof(Precision), Precision, $"'{nameof(Precision)}' is not a known precision: {Precision}.");
        if (Augment != AugmentLevel.None && MeasureFloor)
            throw new ArgumentException($"'{nameof(MeasureFloor)}' measures the step on data held in memory and cannot run with '{nameof(Augment)}' {Augment}.", nameof(MeasureFloor));
        if (MemorySize < 0)
            throw new ArgumentOutOfRangeException(nameof(MemorySize), MemorySize, $"'{nameof(MemorySize)}' must be >= 0 (0: no cross-batch memory), got {MemorySize}.");
        if (MemoryWarmupBatches < 0)
            throw new ArgumentOutOfRangeException(nameof(MemoryWarmupBatches), MemoryWarmupBatches, $"'{nameof(MemoryWarmupBatches)}' must be >= 0, got {MemoryWarmupBatches}.");
        if (MemorySize > 0 && !ComponentRegistry.MinerSupportsMemory(Miner))
            throw new ArgumentException($"'{nameof(Miner)}' '{Miner}' cannot mine against a cross-batch memory; use semihard, hard, batch-all or batch-hard, or set '{nameof(MemorySize)}' to 0.", nameof(Miner));
        if (MemorySize > 0 && SoftMargin && Miner != "batch-hard")
            throw new ArgumentException($"'{nameof(SoftMargin)}' with a cross-batch memory needs the batch-hard miner (the soft margin over a band against the memory is not supported).", nameof(SoftMargin));
        Guard.Positive(LearningRate, nameof(LearningRate));
        Guard.InRange(Momentum, 0, 1, nameof(Momentum));
        Guard.NonNegative(WeightDecay, nameof(WeightDecay));
        if (StepEpochs is { } s) Guard.Positive(s, nameof(StepEpochs));
        Guard.InRange(StepGamma, double.Epsilon, 1, nameof(StepGamma));
        if (Threads is { } t) Guard.Positive(t, nameof(Threads));
        Guard.Positive(EmbeddingDim, nameof(EmbeddingDim));
        Guard.NotNull(HiddenSizes, nameof(HiddenSizes));
        foreach (var h in HiddenSizes) Guard.Positive(h, nameof(HiddenSizes));
        Guard.Positive(EvalBatchSize, nameof(EvalBatchSize));
        Guard.NonNegative(FreezeBackboneEpochs, nameof(FreezeBackboneEpochs));
        Guard.NonNegative(WarmupEpochs, nameof(WarmupEpochs));
        Guard.Positive(BackboneLrScale, nameof(BackboneLrScale));
        if (Weights is not null && string.IsNullOrWhiteSpace(Weights))
            throw new ArgumentException($"'{nameof(Weights)}' must name a weights file, got an empty path.", nameof(Weights));
        if (CheckpointEveryBatches < 0)
            throw new ArgumentOutOfRangeException(nameof(CheckpointEveryBatches), CheckpointEveryBatches, $"'{nameof(CheckpointEveryBatches)}' must be >= 0, got {CheckpointEveryBatches}.");
        if (Resume && string.IsNullOrWhiteSpace(OutputDirectory))
            throw new ArgumentException($"'{nameof(Resume)}' needs '{nameof(OutputDirectory)}': the folder of the run to continue.", nameof(OutputDirectory));
        if (Model == ModelKind.Custom)
            throw new ArgumentException($"'{nameof(Model)}' cannot be 'custom' in options; pass the module factory to the Trainer instead.", nameof(Model));
    }

    /// <summary>
    /// The learning rate at a 0-based <paramref name="epoch"/> and global <paramref name="step"/> of <paramref name="totalSteps"/>
    /// (<see cref="Epochs"/> × batches per epoch): the schedule's rate, times the warm-up factor while warming up.
    /// </summary>
    public double LearningRateAt(int epoch, long step, long totalSteps)
    {
        double lr = Schedule switch
        {
            LearningRateSchedule.Cosine => LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(step, totalSteps) / Math.Max(1, totalSteps))),
            LearningRateSchedule.Step => LearningRate * Math.Pow(StepGamma, epoch / (StepEpochs ?? Math.Max(1, Epochs / 3))),
            _ => LearningRate,
        };
        if (WarmupEpochs > 0)
        {
            long warmupSteps = Math.Max(1, WarmupEpochs * totalSteps / Math.Max(1, Epochs));
            if (step + 1 < warmupSteps) lr *= (double)(step + 1) / warmupSteps;
        }
        return lr;
    }

    /// <summary>Whether the backbone is frozen during 0-based <paramref name="epoch"/> (<see cref="FreezeBackboneEpochs"/>).</summary>
    public bool IsBackboneFrozen(int epoch) => epoch < FreezeBackboneEpochs;
}
