using static TorchSharp.torch;

namespace TripletSharp.Losses;

/// <summary>No reduction: the loss returns one value per triplet (band selections are materialised, which needs memory ∝ triplets).</summary>
public sealed class NoReducer : BaseReducer
{
    /// <inheritdoc />
    public override string Name => "none";

    /// <inheritdoc />
    public override Tensor Reduce(Tensor lossSum, long tripletCount, long nonZeroCount) =>
        throw new InvalidOperationException("NoReducer returns per-triplet losses and does not reduce totals.");

    /// <summary>The per-triplet losses themselves (a band selection is materialised).</summary>
    public override LossOutput Reduce(LossTerms terms)
    {
        Guard.NotNull(terms, nameof(terms));
        var (values, count, nonZero) = terms.PerElement();
        return new LossOutput(values, count, nonZero);
    }
}
