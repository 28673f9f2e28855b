namespace TripletSharp.Recommendation;

/// <summary>What <see cref="InteractionsRun.Execute"/> produced.</summary>
/// <param name="Directory">The run folder.</param>
/// <param name="Model">The trained model (saved in the run's <c>model/</c>).</param>
/// <param name="History">Every epoch, resumed ones included.</param>
/// <param name="Metrics">The model beside the baselines; null when the run was interrupted (not evaluated).</param>
/// <param name="ReportPath">The HTML report; null when none was written.</param>
public sealed record InteractionsRunResult(string Directory, CmlModel Model, IReadOnlyList<CmlEpoch> History, RecommendationMetrics? Metrics, string? ReportPath)
{
    /// <summary>Whether the run stopped before its last epoch (cancelled).</summary>
    public bool Interrupted => Metrics is null;
}
