using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Evaluation;

/// <summary>Computes <see cref="RetrievalMetrics"/> on embeddings with exact blocked nearest neighbours.</summary>
public sealed class RetrievalEvaluator
{
    /// <summary>Creates the evaluator.</summary>
    /// <param name="distance">Measure (Euclidean when null).</param>
    /// <param name="knnK">k of the k-NN majority vote.</param>
    /// <param name="seed">Seed of the k-means behind NMI.</param>
    /// <param name="computeNmi">Whether to run k-means for NMI (NaN when off).</param>
    /// <param name="blockSize">Queries per nearest-neighbour block.</param>
    public RetrievalEvaluator(BaseDistance? distance = null, int knnK = 5, int seed = 0, bool computeNmi = true, int blockSize = 4096)
    {
        Distance = distance ?? new EuclideanDistance();
        KnnK = knnK;
        Seed = seed;
        ComputeNmi = computeNmi;
        BlockSize = blockSize;
    }

    /// <summary>The measure.</summary>
    public BaseDistance Distance { get; }

    /// <summary>k of the k-NN vote.</summary>
    public int KnnK { get; }

    /// <summary>Seed of k-means.</summary>
    public int Seed { get; }

    /// <summary>Whether NMI is computed.</summary>
    public bool ComputeNmi { get; }

    /// <summary>Queries per block.</summary>
    public int BlockSize { get; }

    /// <summary>Evaluates N×D <paramref name="embeddings"/> with their class <paramref name="labels"/>.</summary>
    public RetrievalMetrics Evaluate(Tensor embeddings, long[] labels) => throw new NotImplementedException();
}
