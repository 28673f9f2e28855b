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

    /// <summary>
    /// Reduces what a loss computed. The default asks <paramref name="terms"/> for totals and calls
    /// <see cref="Reduce(Tensor, long, long)"/>; a reducer that needs every value (<see cref="NoReducer"/>) overrides this.
    /// </summary>
    public virtual LossOutput Reduce(LossTerms terms)
    {
        Guard.NotNull(terms, nameof(terms));
        var (sum, count, nonZero) = terms.Totals();
        return new LossOutput(Reduce(sum, count, nonZero), count, nonZero);
    }
}
