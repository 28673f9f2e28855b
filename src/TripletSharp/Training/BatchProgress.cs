namespace TripletSharp.Training;

/// <summary>Where training stands after a batch; raised by <see cref="Trainer.BatchCompleted"/>.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Batch">Batches done in this epoch (1-based).</param>
/// <param name="BatchesPerEpoch">Batches in an epoch.</param>
/// <param name="Loss">This batch's loss.</param>
/// <param name="EpochLoss">Mean loss of the epoch so far.</param>
/// <param name="ActiveFraction">Fraction of this batch's triplets with a non-zero loss.</param>
/// <param name="EpochActiveFraction">Fraction of the epoch's triplets so far with a non-zero loss.</param>
/// <param name="BatchesPerSecond">Batches per second over the epoch so far.</param>
/// <param name="ImagesPerSecond">Items per second over the epoch so far.</param>
/// <param name="EpochSeconds">Seconds spent in this epoch's batches so far.</param>
/// <param name="LearningRate">Learning rate of this batch.</param>
public readonly record struct BatchProgress(
    int Epoch,
    int Epochs,
    int Batch,
    int BatchesPerEpoch,
    double Loss,
    double EpochLoss,
    double ActiveFraction,
    double EpochActiveFraction,
    double BatchesPerSecond,
    double ImagesPerSecond,
    double EpochSeconds,
    double LearningRate);
