using TripletSharp.Evaluation;

namespace TripletSharp.Training;

/// <summary>The outcome of <see cref="Trainer.Fit"/>.</summary>
public sealed record TrainingResult
{
    /// <summary>Completed or interrupted.</summary>
    public TrainingStatus Status { get; init; }

    /// <summary>The run folder.</summary>
    public required RunLayout Run { get; init; }

    /// <summary>One row per completed epoch.</summary>
    public IReadOnlyList<EpochRecord> History { get; init; } = [];

    /// <summary>1-based best epoch (0 when none was evaluated yet).</summary>
    public int BestEpoch { get; init; }

    /// <summary>Test metrics of the best epoch (those of <c>metrics.json</c>); null when none yet.</summary>
    public RetrievalMetrics? BestMetrics { get; init; }

    /// <summary>Interrupted runs: 1-based epoch that was in progress.</summary>
    public int StoppedEpoch { get; init; }

    /// <summary>Interrupted runs: batches of <see cref="StoppedEpoch"/> already done.</summary>
    public int StoppedBatch { get; init; }
}
