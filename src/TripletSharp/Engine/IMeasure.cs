using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// What the kernels need of a measure. <c>Distances.BaseDistance</c> implements it, so the kernels never see the
/// public distance classes.
/// </summary>
internal interface IMeasure
{
    /// <summary>True for similarities (larger = closer).</summary>
    bool IsInverted { get; }

    /// <summary>Which built-in measure this is, for kernels that compute it themselves (<see cref="MeasureKind.Custom"/> otherwise).</summary>
    MeasureKind Kind { get; }

    /// <summary>Whether rows are L2-normalised before measuring.</summary>
    bool NormalizeEmbeddings { get; }

    /// <summary>Closed form of the self-matrix gradient, or null (autograd).</summary>
    SelfGradientRule? GradientRule { get; }

    /// <summary>Normalises rows when the measure does; no validation.</summary>
    Tensor Prepare(Tensor x);

    /// <summary>Q×R matrix (self-matrix when <paramref name="reference"/> is null), no argument checks.</summary>
    Tensor Matrix(Tensor query, Tensor? reference = null);

    /// <summary>Self-matrix of already prepared rows.</summary>
    Tensor MatrixPrepared(Tensor prepared);

    /// <summary>Row-wise measure of already prepared rows.</summary>
    Tensor PairwisePrepared(Tensor x, Tensor y);

    /// <summary>The values negated for similarities, so that smaller always means closer.</summary>
    Tensor ToDistanceLike(Tensor values);

    /// <summary>Whether <paramref name="other"/> computes exactly the same values.</summary>
    bool SameMeasure(IMeasure other);
}
