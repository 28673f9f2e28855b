namespace TripletSharp.Reporting;

/// <summary>How t-SNE computes its gradient.</summary>
public enum TsneMethod
{
    /// <summary>Sparse P over ⌊3·perplexity⌋ + 1 nearest neighbours and a quadtree for the repulsion (van der Maaten 2014): O(N log N) per iteration.</summary>
    BarnesHut,

    /// <summary>Dense P and Q: O(N²) memory and time per iteration; for a few thousand points.</summary>
    Exact,

    /// <summary>
    /// Sparse P as <see cref="BarnesHut"/>, the repulsion by FFT-accelerated interpolation on an equispaced grid
    /// (FIt-SNE, Linderman et al. 2019): O(N) plus an FFT over the map's extent per iteration.
    /// </summary>
    Fft,

    /// <summary>
    /// <see cref="Direct"/> up to <see cref="TsneOptions.DirectMaxPoints"/> points (where the CPU has 256-bit SIMD), then
    /// <see cref="Fft"/> from <see cref="TsneOptions.FftMinPoints"/> points, <see cref="BarnesHut"/> otherwise (the default).
    /// </summary>
    Auto,

    /// <summary>
    /// Sparse P as <see cref="BarnesHut"/>, the repulsion and Z summed over all pairs without approximation, eight pairs
    /// per step in SIMD registers: O(N²) per iteration but no tree, so faster than <see cref="BarnesHut"/> below a few
    /// thousand points, and its KL divergence is at or below Barnes–Hut's.
    /// </summary>
    Direct,
}
