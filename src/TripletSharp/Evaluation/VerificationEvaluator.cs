using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Evaluation;

/// <summary>Verification over labelled pairs: ROC AUC, TAR at FAR = 1e-3, 10-fold best-threshold accuracy.</summary>
public sealed class VerificationEvaluator
{
    /// <summary>Creates the evaluator.</summary>
    public VerificationEvaluator(BaseDistance? distance = null, int folds = 10, int seed = 0)
    {
        Distance = distance ?? new EuclideanDistance();
        Folds = folds;
        Seed = seed;
    }

    /// <summary>The measure.</summary>
    public BaseDistance Distance { get; }

    /// <summary>Cross-validation folds.</summary>
    public int Folds { get; }

    /// <summary>Seed of the fold assignment.</summary>
    public int Seed { get; }

    /// <summary>All pairs of distinct items of <paramref name="embeddings"/>; same = same label.</summary>
    public VerificationMetrics EvaluateAllPairs(Tensor embeddings, long[] labels) => throw new NotImplementedException();

    /// <summary>Explicit pairs: row i of <paramref name="first"/> against row i of <paramref name="second"/>.</summary>
    public VerificationMetrics EvaluatePairs(Tensor first, Tensor second, bool[] same) => throw new NotImplementedException();
}
