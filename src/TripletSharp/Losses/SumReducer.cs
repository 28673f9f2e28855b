using static TorchSharp.torch;

namespace TripletSharp.Losses;

/// <summary>Sum over all selected triplets.</summary>
public sealed class SumReducer : BaseReducer
{
    /// <inheritdoc />
    public override string Name => "sum";

    /// <inheritdoc />
    public override Tensor Reduce(Tensor lossSum, long tripletCount, long nonZeroCount)
    {
        Guard.NotNull(lossSum, nameof(lossSum));
        return lossSum.alias();
    }
}
