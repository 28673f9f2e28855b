using static TorchSharp.torch;

namespace TripletSharp.Losses;

/// <summary>Mean over the triplets with a loss &gt; 0 (PML's AvgNonZeroReducer); 0 when there are none.</summary>
public sealed class AvgNonZeroReducer : BaseReducer
{
    /// <inheritdoc />
    public override string Name => "avg-nonzero";

    /// <inheritdoc />
    public override Tensor Reduce(Tensor lossSum, long tripletCount, long nonZeroCount)
    {
        Guard.NotNull(lossSum, nameof(lossSum));
        // Multiplying by 0 (not returning a fresh 0) keeps the result connected to the graph.
        if (nonZeroCount == 0) return lossSum.mul(Scalars.Zero);
        using var count = Scalars.Make((double)nonZeroCount);
        return lossSum.div(count);
    }
}
