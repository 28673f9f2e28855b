using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// Where a band evaluation writes the loss gradient with respect to the matrix, already in the form the closed-form
/// embedding gradient consumes: V = dL/dE, divided element-wise by the matrix when <see cref="DivideByValue"/>
/// (0 where the matrix is 0), with its row and column sums when requested.
/// </summary>
internal sealed class GradientWeights
{
    public GradientWeights(Tensor weights, bool divideByValue, bool wantSums)
    {
        Weights = weights;
        DivideByValue = divideByValue;
        int b = (int)weights.shape[0];
        RowSums = wantSums ? new double[b] : null;
        ColSums = wantSums ? new double[b] : null;
    }

    /// <summary>B×B, fully overwritten.</summary>
    public Tensor Weights { get; }

    public bool DivideByValue { get; }

    /// <summary>Σ_n V[a, n] per row, filled by the CPU kernel (null when not requested or filled by the caller).</summary>
    public double[]? RowSums { get; }

    /// <summary>Σ_a V[a, n] per column, filled by the CPU kernel.</summary>
    public double[]? ColSums { get; }

    /// <summary>Set when the kernel filled the weights and sums; otherwise the caller derives them from dL/dE.</summary>
    public bool Finished { get; set; }
}
