using TripletSharp.Evaluation;
using TripletSharp.Training;
using Xunit;

namespace TripletSharp.Tests.Training;

/// <summary>Issue 15 item 5: a metric that cannot be computed never chooses the best epoch.</summary>
public sealed class BestEpochTests
{
    private static RetrievalMetrics Metrics(double mapAtR, double p1) =>
        new(p1, 0.5, mapAtR, 0.5, 0.6, 0.7, 0.8, double.NaN, 0.5, 10);

    [Fact]
    public void NaN_MapAtR_never_picks_the_best_epoch_even_from_minus_infinity()
    {
        Assert.False(TrainingSession.IsBest(true, Metrics(double.NaN, 1.0), double.NegativeInfinity));
        Assert.False(TrainingSession.IsBest(true, Metrics(double.NaN, double.NaN), double.NegativeInfinity));
        Assert.False(TrainingSession.IsBest(true, Metrics(double.NaN, 1.0), -1.0));
    }

    [Fact]
    public void NaN_MapAtR_after_a_real_best_does_not_replace_it()
    {
        double best = double.NegativeInfinity;
        Assert.True(TrainingSession.IsBest(true, Metrics(0.25, 0.5), best));
        best = 0.25 + 1e-9 * 0.5;
        Assert.False(TrainingSession.IsBest(true, Metrics(double.NaN, 1.0), best));
        Assert.True(TrainingSession.IsBest(true, Metrics(0.30, 0.1), best));
        Assert.False(TrainingSession.IsBest(true, Metrics(0.20, 1.0), best));
    }

    [Fact]
    public void Missing_metrics_never_pick_but_no_test_split_always_does()
    {
        Assert.False(TrainingSession.IsBest(true, null, double.NegativeInfinity));
        Assert.True(TrainingSession.IsBest(false, null, double.NegativeInfinity));
        Assert.True(TrainingSession.IsBest(false, Metrics(double.NaN, double.NaN), 0.9));
    }
}
