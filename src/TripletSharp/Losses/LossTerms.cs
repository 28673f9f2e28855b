using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Losses;

/// <summary>
/// What a loss computed over its triplets, before reduction, in the two forms a reducer may ask for: the sum of the
/// per-triplet losses with its counts, or the per-triplet losses themselves. Each form is computed only when asked
/// for, so a band selection is reduced from totals without ever materialising its triplets, and materialised only
/// for a reducer that wants every value (<see cref="NoReducer"/>).
/// </summary>
public sealed class LossTerms
{
    private readonly Func<(Tensor Sum, long Count, long NonZero)> _totals;
    private readonly Func<(Tensor Values, long Count, long NonZero)> _perElement;

    internal LossTerms(Func<(Tensor Sum, long Count, long NonZero)> totals, Func<(Tensor Values, long Count, long NonZero)> perElement)
    {
        _totals = totals;
        _perElement = perElement;
    }

    /// <summary>Terms from per-triplet losses (a 1-D tensor, each value ≥ 0, connected to the graph).</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is not 1-D.</exception>
    public static LossTerms FromValues(Tensor values)
    {
        Guard.NotNull(values, nameof(values));
        if (values.dim() != 1) throw new ArgumentException($"Per-triplet losses must be a 1-D tensor, got {values.dim()} dimensions.", nameof(values));
        return new LossTerms(() =>
        {
            var (v, count, nonZero) = Counted(values);
            return (v.sum(), count, nonZero);
        }, () => Counted(values));
    }

    private static (Tensor Values, long Count, long NonZero) Counted(Tensor values) =>
        (values, values.shape[0], values.detach().gt(Scalars.Zero).sum().item<long>());

    /// <summary>The sum of the per-triplet losses (a differentiable scalar), the number of triplets and the number with a loss &gt; 0.</summary>
    public (Tensor Sum, long Count, long NonZero) Totals() => _totals();

    /// <summary>The per-triplet losses (1-D, differentiable), their number and the number &gt; 0.</summary>
    /// <exception cref="InvalidOperationException">A band selection too large to materialise.</exception>
    public (Tensor Values, long Count, long NonZero) PerElement() => _perElement();
}
