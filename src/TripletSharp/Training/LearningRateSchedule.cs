namespace TripletSharp.Training;

/// <summary>How the learning rate changes over training. Every schedule is a pure function of the step, so resuming needs no schedule state.</summary>
public enum LearningRateSchedule
{
    /// <summary>The same rate throughout.</summary>
    Constant,

    /// <summary>Cosine decay from the rate to 0 over all steps (per batch).</summary>
    Cosine,

    /// <summary>Multiply by <see cref="TrainerOptions.StepGamma"/> every <see cref="TrainerOptions.StepEpochs"/> epochs.</summary>
    Step,
}
