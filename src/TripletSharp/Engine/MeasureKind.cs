namespace TripletSharp.Engine;

/// <summary>The built-in measures that kernels compute from dot products themselves (the fused k-NN); anything else is <see cref="Custom"/>.</summary>
internal enum MeasureKind
{
    /// <summary>A measure only its own matrix can compute.</summary>
    Custom,

    /// <summary>‖x − y‖.</summary>
    Euclidean,

    /// <summary>‖x − y‖².</summary>
    SquaredEuclidean,

    /// <summary>1 − x̂·ŷ.</summary>
    Cosine,

    /// <summary>x·y (a similarity).</summary>
    Dot,
}
