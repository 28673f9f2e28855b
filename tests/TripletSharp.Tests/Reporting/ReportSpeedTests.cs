using TripletSharp.Distances;
using TripletSharp.Evaluation;
using TripletSharp.Reporting;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Reporting;

/// <summary>
/// What made the report fast keeps its numbers: the openTSNE schedule (per-phase step sizes, 750 iterations) reaches
/// the KL of scikit-learn's 1,000 iterations, measured against a double loop; the PCA the report already has seeds
/// t-SNE with the same map; the report's ROC is the verification evaluator's; every part is timed.
/// </summary>
public class ReportSpeedTests
{
    /// <summary>KL(P‖Q) of a dense P against a map, as a plain double loop.</summary>
    private static double ReferenceKl(double[,] p, float[] y)
    {
        int n = p.GetLength(0);
        double z = 0, kl = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (i != j) { double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]; z += 1 / (1 + dx * dx + dy * dy); }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (i != j && p[i, j] > 0)
                {
                    double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
                    kl += p[i, j] * Math.Log(p[i, j] / Math.Max(1 / (1 + dx * dx + dy * dy) / z, Tsne.MachineEpsilon));
                }
        return kl;
    }

    private static double[,] DenseP(Tensor x, double perplexity)
    {
        using var scope = NewDisposeScope();
        var p = Tsne.JointProbabilities(Tsne.SquaredDistances(x.to_type(ScalarType.Float64)), perplexity);
        int n = (int)p.shape[0];
        var v = p.data<double>().ToArray();
        var d = new double[n, n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) d[i, j] = v[i * n + j];
        return d;
    }

    [Fact]
    public void DefaultSchedule_ReachesTheKlOfTheOldOne_AndSeparatesPlantedClusters()
    {
        var (x, labels) = ReportTestData.Blobs(60, 6, 21, spread: 0.6);
        using var scope = NewDisposeScope();
        var t = ReportTestData.ToTensor(x);
        int n = x.Length;
        var now = new TsneOptions();
        Assert.Equal(750, now.Iterations);
        Assert.Equal(250, now.ExaggerationIterations);
        var old = new TsneOptions { Iterations = 1000, ExaggerationIterations = 250, LearningRate = Math.Max(n / 12.0 / 4.0, 50) };
        var yNew = new Tsne(now).Fit(t).data<float>().ToArray();
        var yOld = new Tsne(old).Fit(t).data<float>().ToArray();

        var p = DenseP(t, Tsne.EffectivePerplexity(30, n));
        double klNew = ReferenceKl(p, yNew), klOld = ReferenceKl(p, yOld);
        Assert.True(klNew <= klOld * 1.02, $"KL under the exact P: new schedule {klNew}, old {klOld}");
        Assert.True(ReportTestData.MapOneNn(yNew, labels, 6) is var (correct, counted) && correct >= 0.99 * counted, "the map mixes the planted clusters");
    }

    [Fact]
    public void StepSizes_FollowOpenTsnePerPhase_AndAGivenRateHoldsForBoth()
    {
        var tsne = new Tsne();
        Assert.Equal(50, tsne.LearningRate(1000, early: true));
        Assert.Equal(10_000 / 12.0 / 4.0, tsne.LearningRate(10_000, early: true), 12);
        Assert.Equal(250, tsne.LearningRate(1000, early: false));
        Assert.Equal(50, tsne.LearningRate(100, early: false));
        var fixedRate = new Tsne(new TsneOptions { LearningRate = 7 });
        Assert.Equal(7, fixedRate.LearningRate(5000, early: true));
        Assert.Equal(7, fixedRate.LearningRate(5000, early: false));
    }

    [Theory]
    [InlineData(TsneMethod.BarnesHut)]
    [InlineData(TsneMethod.Exact)]
    [InlineData(TsneMethod.Fft)]
    [InlineData(TsneMethod.Direct)]
    public void GivenPca_GivesTheSameMapAsComputingIt(TsneMethod method)
    {
        var (x, _) = ReportTestData.Blobs(15, 3, 4);
        using var scope = NewDisposeScope();
        var t = ReportTestData.ToTensor(x);
        var options = new TsneOptions { Method = method, Perplexity = 8, Iterations = 60, ExaggerationIterations = 20 };
        var (computed, klComputed) = new Tsne(options).FitWithDivergence(t);
        var (given, klGiven) = new Tsne(options).FitWithDivergence(t, Pca.Fit(t.to_type(ScalarType.Float64), 2).Projection);
        Assert.True(computed.equal(given).all().item<bool>());
        Assert.Equal(klComputed, klGiven);
    }

    [Theory]
    [InlineData("euclidean", 40)]
    [InlineData("cosine", 40)]
    [InlineData("euclidean", 1500)] // 1,124,250 pairs: above the evaluator's cap, so the pairs are a seeded sample
    public void ReportRoc_IsTheVerificationEvaluatorsCurve(string distanceName, int n)
    {
        var rng = new Random(3);
        var x = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, 6).Select(_ => rng.NextDouble()).ToArray()).ToArray();
        var labels = Enumerable.Range(0, n).Select(i => (long)(i % 4)).ToArray();
        x[1] = (double[])x[0].Clone();
        using var scope = NewDisposeScope();
        var t = ReportTestData.ToTensor(x);
        BaseDistance distance = distanceName == "cosine" ? new CosineDistance() : new EuclideanDistance();
        var full = RocCurve.FromMetrics(new VerificationEvaluator(distance).EvaluateAllPairs(t, labels));
        var fast = RocCurve.AllPairs(t, labels, distance);
        Assert.Equal(full.FalsePositiveRates, fast.FalsePositiveRates);
        Assert.Equal(full.TruePositiveRates, fast.TruePositiveRates);
        Assert.Equal(full.Auc, fast.Auc);
        Assert.Equal(full.TarAtFar1e3, fast.TarAtFar1e3);
    }

    [Fact]
    public void Render_TimesEveryPart_AndStatesTheKl()
    {
        var (x, labels) = ReportTestData.Blobs(10, 3, 5);
        using var scope = NewDisposeScope();
        var data = ReportTestData.Build(x, labels, 4, ReportTestData.Images(labels, 1, 8, 1));
        var timings = new ReportTimings();
        var path = Path.Combine(Path.GetTempPath(), $"tripletsharp-timing-{Guid.NewGuid():N}.html");
        try
        {
            HtmlReportWriter.Write(path, data, new ReportOptions { Tsne = new TsneOptions { Iterations = 30, ExaggerationIterations = 10 } }, timings);
            Assert.True(File.Exists(path));
        }
        finally { File.Delete(path); }
        Assert.Equal(["pca", "tsne", "knn", "histograms", "thumbnails", "json", "html"], timings.Parts.Select(p => p.Part).ToArray());
        Assert.All(timings.Parts, p => Assert.True(p.Seconds >= 0 && p.CpuSeconds >= 0));
        Assert.Equal(timings.Parts.Sum(p => p.Seconds), timings.TotalSeconds, 12);
        Assert.True(timings.TsneKlDivergence is > 0);
        Assert.Contains("tsne", timings.ToTable());
    }

    [Fact]
    public void Thumbnails_EncodedInParallel_AreTheSameEveryTime()
    {
        var labels = Enumerable.Range(0, 40).Select(i => (long)(i % 3)).ToArray();
        using var scope = NewDisposeScope();
        var images = ReportTestData.Images(labels, 3, 12, 2);
        var idx = Enumerable.Range(0, 40).Where(i => i % 3 != 1).ToArray();
        var a = Thumbnails.DataUris(images, idx, 8);
        var b = Thumbnails.DataUris(images, idx, 8);
        Assert.Equal(idx, a.Keys.ToArray());
        Assert.Equal(a, b);
    }
}
