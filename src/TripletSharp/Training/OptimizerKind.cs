namespace TripletSharp.Training;

/// <summary>The optimisers the trainer offers.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (β = 0.9, 0.999).</summary>
    Adam,

    /// <summary>Stochastic gradient descent with momentum (<see cref="TrainerOptions.Momentum"/>).</summary>
    Sgd,
}
