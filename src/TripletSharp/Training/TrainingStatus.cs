namespace TripletSharp.Training;

/// <summary>How a call to <see cref="Trainer.Fit(Data.DatasetSplit, Data.DataOptions?, CancellationToken)"/> ended.</summary>
public enum TrainingStatus
{
    /// <summary>Every epoch ran; the final outputs are written.</summary>
    Completed,

    /// <summary>Cancelled; a checkpoint was written and the run can be resumed.</summary>
    Interrupted,
}
