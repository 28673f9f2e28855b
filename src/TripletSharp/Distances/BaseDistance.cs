using TorchSharp;
using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Distances;

/// <summary>
/// A measure between embeddings. Distances (smaller = closer) and similarities (<see cref="IsInverted"/>: larger = closer)
/// share this base; miners and losses work on the distance-like view (negated for similarities), so both work unchanged.
/// </summary>
public abstract class BaseDistance : IMeasure
{
    /// <summary>Creates a measure.</summary>
    /// <param name="normalizeEmbeddings">L2-normalise embeddings (row-wise) before measuring.</param>
    /// <param name="isInverted">True for similarities, where larger means closer.</param>
    protected BaseDistance(bool normalizeEmbeddings, bool isInverted)
    {
        NormalizeEmbeddings = normalizeEmbeddings;
        IsInverted = isInverted;
    }

    /// <summary>Whether embeddings are L2-normalised before measuring.</summary>
    public bool NormalizeEmbeddings { get; }

    /// <summary>True for similarities (larger = closer), false for distances.</summary>
    public bool IsInverted { get; }

    /// <summary>Short name used in configs and the CLI (for example <c>euclidean</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The Q×R matrix between every query row and every reference row (reference = query when null).</summary>
    /// <remarks>
    /// When <paramref name="reference"/> is null (or the same tensor) the diagonal is exactly the measure of a point with
    /// itself (0 for distances). Differentiable with respect to both inputs.
    /// </remarks>
    public Tensor Compute(Tensor query, Tensor? reference = null)
    {
        Guard.Embeddings(query, nameof(query), allowEmpty: true);
        if (reference is not null && !ReferenceEquals(reference, query))
        {
            Guard.Embeddings(reference, nameof(reference), allowEmpty: true);
            if (reference.shape[1] != query.shape[1])
                throw new ArgumentException($"'{nameof(reference)}' has dimension {reference.shape[1]} but '{nameof(query)}' has {query.shape[1]}.", nameof(reference));
            if (reference.device_type != query.device_type || reference.device_index != query.device_index)
                throw new ArgumentException($"'{nameof(reference)}' is on {reference.device} but '{nameof(query)}' is on {query.device}.", nameof(reference));
        }
        using var scope = torch.NewDisposeScope();
        return Matrix(query, reference).MoveToOuterDisposeScope();
    }

    /// <summary>Row-wise measure between <paramref name="x"/>[i] and <paramref name="y"/>[i]; returns a vector.</summary>
    public Tensor Pairwise(Tensor x, Tensor y)
    {
        Guard.Embeddings(x, nameof(x), allowEmpty: true);
        Guard.Embeddings(y, nameof(y), allowEmpty: true);
        if (x.shape[0] != y.shape[0] || x.shape[1] != y.shape[1])
            throw new ArgumentException($"'{nameof(x)}' and '{nameof(y)}' must have the same shape, got [{string.Join(", ", x.shape)}] and [{string.Join(", ", y.shape)}].", nameof(y));
        using var scope = torch.NewDisposeScope();
        return PairwiseUnchecked(x, y).MoveToOuterDisposeScope();
    }

    /// <summary>Computes the matrix on (already normalised, if requested) inputs.</summary>
    protected abstract Tensor ComputeMatrix(Tensor query, Tensor reference);

    /// <summary>Computes the row-wise measure on (already normalised, if requested) inputs.</summary>
    protected abstract Tensor ComputePairwise(Tensor x, Tensor y);

    /// <summary>Whether the self-matrix diagonal must be set to exactly 0 afterwards (only for kernels that do not give it exactly).</summary>
    private protected virtual bool ZeroSelf => false;

    /// <summary>Which built-in measure this is, for kernels that compute it from dot products themselves.</summary>
    internal virtual MeasureKind Kind => MeasureKind.Custom;

    /// <summary>Whether <paramref name="other"/> computes exactly the same values as this measure.</summary>
    internal bool SameMeasure(BaseDistance other) => other.GetType() == GetType() && other.NormalizeEmbeddings == NormalizeEmbeddings;

    /// <summary>Normalises rows when the option is set; no validation.</summary>
    internal Tensor Prepare(Tensor x) => NormalizeEmbeddings ? nn.functional.normalize(x, 2.0, 1) : x;

    /// <summary>Matrix without argument checks; creates tensors in the caller's dispose scope.</summary>
    internal Tensor Matrix(Tensor query, Tensor? reference = null)
    {
        bool self = reference is null || ReferenceEquals(reference, query);
        var q = Prepare(query);
        var r = self ? q : Prepare(reference!);
        var m = ComputeMatrix(q, r);
        if (self && ZeroSelf && m.shape[0] > 0)
        {
            // In place is safe: the overriding kernels' last op does not save its output for backward.
            var idx = Scalars.Arange(m.shape[0], m.device);
            m = m.index_put_(zeros(m.shape[0], dtype: m.dtype, device: m.device), idx, idx);
        }
        return m;
    }

    /// <summary>Self-matrix of inputs that were already passed through <see cref="Prepare"/>.</summary>
    internal Tensor MatrixPrepared(Tensor prepared)
    {
        var m = ComputeMatrix(prepared, prepared);
        if (ZeroSelf && m.shape[0] > 0)
        {
            var idx = Scalars.Arange(m.shape[0], m.device);
            m = m.index_put_(zeros(m.shape[0], dtype: m.dtype, device: m.device), idx, idx);
        }
        return m;
    }

    /// <summary>
    /// How the gradient of Σ_ij V_ij·E_ij with respect to the prepared embeddings has a closed form (one pair of
    /// B×B·B×D products); null when it has none (autograd is used then). See <see cref="SelfGradientRule"/>.
    /// </summary>
    internal virtual SelfGradientRule? GradientRule => null;

    /// <summary>Pairwise measure on inputs that were already passed through <see cref="Prepare"/>.</summary>
    internal Tensor PairwisePrepared(Tensor x, Tensor y) => ComputePairwise(x, y);

    /// <summary>Pairwise measure without argument checks.</summary>
    internal Tensor PairwiseUnchecked(Tensor x, Tensor y) => ComputePairwise(Prepare(x), Prepare(y));

    /// <summary>
    /// "Distance-like" view used by miners and losses: the matrix itself for distances, its negation for similarities,
    /// so that smaller always means closer and Δ = E_an − E_ap.
    /// </summary>
    internal Tensor ToDistanceLike(Tensor values) => IsInverted ? values.neg() : values;

    MeasureKind IMeasure.Kind => Kind;

    SelfGradientRule? IMeasure.GradientRule => GradientRule;

    Tensor IMeasure.Prepare(Tensor x) => Prepare(x);

    Tensor IMeasure.Matrix(Tensor query, Tensor? reference) => Matrix(query, reference);

    Tensor IMeasure.MatrixPrepared(Tensor prepared) => MatrixPrepared(prepared);

    Tensor IMeasure.PairwisePrepared(Tensor x, Tensor y) => PairwisePrepared(x, y);

    Tensor IMeasure.ToDistanceLike(Tensor values) => ToDistanceLike(values);

    bool IMeasure.SameMeasure(IMeasure other) => other is BaseDistance d && SameMeasure(d);
}
