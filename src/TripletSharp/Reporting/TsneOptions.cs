namespace TripletSharp.Reporting;

/// <summary>
/// Settings of t-SNE (van der Maaten and Hinton 2008). The defaults follow openTSNE (Poličar et al. 2019): 250
/// early-exaggeration iterations at 12 and 500 more, with a learning rate per phase of N / exaggeration in openTSNE's
/// units (its gradient has no factor 4: N / (4·exaggeration) here, at least 50), which reaches the KL divergence of
/// scikit-learn's 1,000 iterations at one step size in three quarters of the iterations.
/// </summary>
public sealed record TsneOptions
{
    /// <summary>Auto (default: all pairs up to <see cref="DirectMaxPoints"/> points, then FFT interpolation from <see cref="FftMinPoints"/>, Barnes–Hut otherwise), Barnes–Hut, FFT, direct or exact (dense P, O(N²)).</summary>
    public TsneMethod Method { get; init; } = TsneMethod.Auto;

    /// <summary>With <see cref="TsneMethod.Auto"/>: the fewest points for which the FFT-interpolated repulsion is used (beyond <see cref="DirectMaxPoints"/> where all pairs are summed).</summary>
    public int FftMinPoints { get; init; } = 5000;

    /// <summary>
    /// With <see cref="TsneMethod.Auto"/>: the most points for which the repulsion is summed over all pairs
    /// (<see cref="TsneMethod.Direct"/>, where the CPU has 256-bit SIMD). Measured on 2 cores (AVX-512): all pairs took
    /// 0.4–0.6 of Barnes–Hut's time from 2,000 to 5,000 points, and 0.8–0.9 of the FFT's at 8,000.
    /// </summary>
    public int DirectMaxPoints { get; init; } = 8000;

    /// <summary>Barnes–Hut accuracy: a cell is summarised when its width / distance is below θ (0 would be exact; scikit-learn's 0.5).</summary>
    public double Theta { get; init; } = 0.5;

    /// <summary>Target perplexity of each point's neighbour distribution (lowered to (N − 1) / 3 for small N).</summary>
    public double Perplexity { get; init; } = 30;

    /// <summary>Gradient-descent iterations in total (including the early-exaggeration phase).</summary>
    public int Iterations { get; init; } = 750;

    /// <summary>Iterations with exaggerated P and momentum 0.5.</summary>
    public int ExaggerationIterations { get; init; } = 250;

    /// <summary>Factor P is multiplied by during the first phase.</summary>
    public double EarlyExaggeration { get; init; } = 12;

    /// <summary>
    /// Step size of both phases; null picks openTSNE's "auto" per phase: max(N / exaggeration / 4, 50) during early
    /// exaggeration (scikit-learn's "auto") and max(N / 4, 50) after it.
    /// </summary>
    public double? LearningRate { get; init; }

    /// <summary>Seed of the random initialisation, used only when the data has no spread for the PCA initialisation.</summary>
    public int Seed { get; init; }

    /// <summary>Whether a sparse-P fit of <paramref name="n"/> points takes its repulsion from FFT interpolation.</summary>
    internal bool UsesFft(int n) => Method == TsneMethod.Fft || (Method == TsneMethod.Auto && n >= FftMinPoints && !UsesDirect(n));

    /// <summary>Whether a sparse-P fit of <paramref name="n"/> points sums its repulsion over all pairs (<see cref="DirectRepulsion"/>).</summary>
    internal bool UsesDirect(int n) =>
        Method == TsneMethod.Direct || (Method == TsneMethod.Auto && n <= DirectMaxPoints && DirectRepulsion.IsAccelerated);

    internal void Validate()
    {
        Guard.Positive(Perplexity, nameof(Perplexity));
        Guard.Positive(Iterations, nameof(Iterations));
        if (ExaggerationIterations < 0 || ExaggerationIterations > Iterations)
            throw new ArgumentOutOfRangeException(nameof(ExaggerationIterations), ExaggerationIterations, $"'{nameof(ExaggerationIterations)}' must be in [0, {nameof(Iterations)}={Iterations}], got {ExaggerationIterations}.");
        Guard.Positive(EarlyExaggeration, nameof(EarlyExaggeration));
        if (LearningRate is double lr) Guard.Positive(lr, nameof(LearningRate));
        Guard.InRange(Theta, 0, 1, nameof(Theta));
        Guard.Positive(FftMinPoints, nameof(FftMinPoints));
        Guard.NonNegative(DirectMaxPoints, nameof(DirectMaxPoints));
        if (!Enum.IsDefined(Method))
            throw new ArgumentOutOfRangeException(nameof(Method), Method, $"'{nameof(Method)}' must be one of {string.Join(", ", Enum.GetNames<TsneMethod>())}, got {(int)Method}.");
    }
}
