using TripletSharp.Evaluation;
using TripletSharp.Models;

namespace TripletSharp.Training;

/// <summary>The outcome of <see cref="Trainer.Fit(Data.DatasetSplit, Data.DataOptions?, CancellationToken)"/>.</summary>
/// <remarks>Owns <see cref="Model"/>: disposing the result disposes it (and, when the module was given to the trainer, that module).</remarks>
public sealed record TrainingResult : IDisposable
{
    /// <summary>Completed or interrupted.</summary>
    public TrainingStatus Status { get; init; }

    /// <summary>The run folder; null when training in memory (<see cref="TrainerOptions.OutputDirectory"/> not set).</summary>
    public RunFolder? Run { get; init; }

    /// <summary>
    /// The trained model: the best epoch's weights (the last epoch's when there is no test split), with its
    /// description, ready to embed or save; for an interrupted run, the weights as they stand. Null when no epoch
    /// completed and nothing was trained.
    /// </summary>
    public ModelBundle? Model { get; init; }

    /// <summary>One row per completed epoch.</summary>
    public IReadOnlyList<EpochRecord> History { get; init; } = [];

    /// <summary>1-based best epoch (0 when none was evaluated yet).</summary>
    public int BestEpoch { get; init; }

    /// <summary>Test metrics of the best epoch (those of <c>metrics.json</c>); null when none yet.</summary>
    public RetrievalMetrics? BestMetrics { get; init; }

    /// <summary>The score of <see cref="Trainer.HeldOutTuples"/> on <see cref="Model"/> (also in <c>metrics.json</c>); null without held-out tuples or a model.</summary>
    public TupleMetrics? TupleMetrics { get; init; }

    /// <summary>Interrupted runs: 1-based epoch that was in progress.</summary>
    public int StoppedEpoch { get; init; }

    /// <summary>Interrupted runs: batches of <see cref="StoppedEpoch"/> already done.</summary>
    public int StoppedBatch { get; init; }

    /// <summary>Disposes <see cref="Model"/>.</summary>
    public void Dispose() => Model?.Dispose();
}
