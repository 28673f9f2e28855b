using TripletSharp.Evaluation;
using static TorchSharp.torch;

namespace TripletSharp.Training;

/// <summary>The test-split evaluation after one epoch: metrics and embeddings (null when not evaluated) and its seconds.</summary>
/// <param name="Metrics">Retrieval metrics; null when the epoch was not evaluated.</param>
/// <param name="Embeddings">Test embeddings; null when the epoch was not evaluated. Disposed with this object.</param>
/// <param name="Seconds">Seconds spent embedding and evaluating.</param>
internal sealed record EpochEvaluation(RetrievalMetrics? Metrics, Tensor? Embeddings, double Seconds) : IDisposable
{
    public void Dispose() => Embeddings?.Dispose();
}
