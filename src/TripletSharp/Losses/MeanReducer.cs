using static TorchSharp.torch;

namespace TripletSharp.Losses;

/// <summary>Mean over all selected triplets; 0 when there are none.</summary>
public sealed class MeanReducer : BaseReducer
{
    /// <inheritdoc />
    public override string Name => "mean";

    /// <inheritdoc />
    public override Tensor Reduce(Tensor lossSum, long tripletCount, long nonZeroCount)
    {
        Guard.NotNull(lossSum, nameof(lossSum));
        if (tripletCount == 0) return lossSum.mul(Scalars.Zero);
        using var count = Scalars.Make((double)tripletCount);
        return lossSum.div(count);
    }
}
