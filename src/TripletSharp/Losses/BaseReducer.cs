using static TorchSharp.torch;

namespace TripletSharp.Losses;

/// <summary>Turns per-triplet losses into the value that is back-propagated.</summary>
public abstract class BaseReducer
{
    /// <summary>Short name used in configs and the CLI (for example <c>avg-nonzero</c>).</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Reduces from totals: the sum of the per-triplet losses (a differentiable scalar), the number of triplets
    /// and the number with a loss &gt; 0. Lets band selections reduce without materialising triplets.
    /// </summary>
    public abstract Tensor Reduce(Tensor lossSum, long tripletCount, long nonZeroCount);
}
