using TripletSharp.Distances;
using TripletSharp.Engine;
using TripletSharp.Losses;
using TripletSharp.Mining;
using TripletSharp.Tests.Distances;
using TripletSharp.Tests.Reference;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Losses;

/// <summary>The engine's gradients (closed form, no autograd through the matrix) against independent ones.</summary>
public class GradientTests
{
    public static TheoryData<string> Miners() => new(Cases.MinerNames);

    /// <summary>Hermans-style Euclidean hinge with and without swap vs TorchSharp's own triplet_margin_loss on the gathered triplets.</summary>
    [Theory]
    [MemberData(nameof(Miners))]
    public void MatchesTorchTripletMarginLossOnGatheredTriplets(string minerName)
    {
        var batch = TestData.Gaussian(41, 20, 5, 3, lone: 1);
        var distance = new EuclideanDistance();
        foreach (var swap in new[] { false, true })
        foreach (var reducer in new[] { "sum", "mean", "avg-nonzero" })
        {
            using var scope = NewDisposeScope();
            var x = batch.Embeddings(ScalarType.Float64).requires_grad_(true);
            var labels = batch.LabelTensor();
            var miner = Cases.Miner(minerName, distance);
            using var mined = miner?.Mine(x, labels);
            var triplets = Cases.Select(minerName, RefMeasure.Of(distance).DistanceLike(batch.X), batch.Labels) ?? Cases.ToList(mined!.Indices!);
            var output = new TripletMarginLoss(0.3, swap: swap, distance: distance, reducer: Cases.Reducer(reducer)).ComputeDetailed(x, labels, mined);
            output.Loss.backward();
            var engine = x.grad!.clone();

            var y = batch.Embeddings(ScalarType.Float64).requires_grad_(true);
            var a = tensor(triplets.Select(t => (long)t.A).ToArray());
            var p = tensor(triplets.Select(t => (long)t.P).ToArray());
            var n = tensor(triplets.Select(t => (long)t.N).ToArray());
            var per = nn.functional.triplet_margin_loss(y.index_select(0, a), y.index_select(0, p), y.index_select(0, n), 0.3, 2, 1e-12, swap, reduction: nn.Reduction.None);
            long nonZero = per.gt(0).sum().item<long>();
            var torchLoss = reducer switch
            {
                "sum" => per.sum(),
                "mean" => per.sum() / Math.Max(1, triplets.Count),
                _ => per.sum() / Math.Max(1, nonZero),
            };
            Assert.Equal(torchLoss.item<double>(), output.Loss.item<double>(), 9);
            torchLoss.backward();
            var diff = (engine - y.grad!).abs().max().item<double>();
            Assert.True(diff < 1e-8, $"{minerName} swap={swap} {reducer}: max |Δgrad| = {diff}");
        }
    }

    /// <summary>Every measure × mode against central finite differences in float64 (batches without ties, so the loss is smooth there).</summary>
    [Theory]
    [MemberData(nameof(Miners))]
    public void MatchesFiniteDifferences(string minerName)
    {
        var batch = TestData.Gaussian(51, 9, 2, 3, lone: 1);
        foreach (var (kind, normalize) in Cases.Measures)
        foreach (var (margin, soft, swap) in new[] { (0.5, false, false), (0.5, false, true), (0.0, true, false) })
        {
            var distance = RefMeasure.Create(kind, normalize);
            var miner = Cases.Miner(minerName, distance);
            using var scope = NewDisposeScope();
            var x0 = batch.Embeddings(ScalarType.Float64);
            var labels = batch.LabelTensor();
            // Explicit selections stay fixed at x0; bands are re-evaluated, which is smooth away from their (measure-zero) edges.
            using var mined = miner?.Mine(x0, labels);
            var loss = new TripletMarginLoss(margin, soft, swap, distance, new MeanReducer());
            var x = x0.clone().requires_grad_(true);
            loss.Compute(x, labels, mined).backward();
            var analytic = x.grad!.flatten().data<double>().ToArray();
            var numeric = DistanceTests.FiniteDifferences(v => loss.Compute(v, labels, mined).item<double>(), x0);
            for (int i = 0; i < analytic.Length; i++)
                Assert.True(Math.Abs(analytic[i] - numeric[i]) <= 1e-5 * (1 + Math.Abs(numeric[i])),
                    $"{minerName} {kind} norm={normalize} m={margin} soft={soft} swap={swap}: grad[{i}] {analytic[i]} vs {numeric[i]}");
        }
    }

    /// <summary>No miner / band miners: the gradient of the fused O(B²) path equals autograd on explicitly gathered triplets, for every measure.</summary>
    [Theory]
    [MemberData(nameof(Miners))]
    public void MatchesAutogradOnGatheredTriplets(string minerName)
    {
        var batch = TestData.Gaussian(61, 18, 4, 3, lone: 2);
        foreach (var (kind, normalize) in Cases.Measures)
        foreach (var (margin, soft, swap) in new[] { (0.2, false, false), (0.2, false, true), (0.0, true, false), (0.1, true, true) })
        foreach (var torchOnly in new[] { false, true })
        {
            EngineSwitches.TorchOnly = torchOnly;
            try
            {
                var distance = RefMeasure.Create(kind, normalize);
                using var scope = NewDisposeScope();
                var labels = batch.LabelTensor();
                var x = batch.Embeddings(ScalarType.Float64).requires_grad_(true);
                var miner = Cases.Miner(minerName, distance);
                using var mined = miner?.Mine(x, labels);
                var triplets = Cases.Select(minerName, RefMeasure.Of(miner?.Distance ?? distance).DistanceLike(batch.X), batch.Labels) ?? Cases.ToList(mined!.Indices!);
                var loss = new TripletMarginLoss(margin, soft, swap, distance, new SumReducer());
                loss.Compute(x, labels, mined).backward();

                var y = batch.Embeddings(ScalarType.Float64).requires_grad_(true);
                var reference = GatheredLoss(distance, y, triplets, margin, soft, swap);
                reference.backward();
                var diff = (x.grad! - y.grad!).abs().max().item<double>() / (1 + y.grad!.abs().max().item<double>());
                Assert.True(diff < 1e-10, $"{minerName} {kind} norm={normalize} m={margin} soft={soft} swap={swap} torchOnly={torchOnly}: max |Δgrad| = {diff}");
            }
            finally
            {
                EngineSwitches.TorchOnly = false;
            }
        }
    }

    /// <summary>Plain autograd formula on gathered rows, written independently of the engine's kernels.</summary>
    internal static Tensor GatheredLoss(BaseDistance distance, Tensor x, IReadOnlyList<(int A, int P, int N)> triplets, double margin, bool soft, bool swap)
    {
        if (triplets.Count == 0) return x.sum() * 0;
        var v = distance.NormalizeEmbeddings ? x / x.norm(1, true, 2).clamp_min(1e-12) : x;
        var a = v.index_select(0, tensor(triplets.Select(t => (long)t.A).ToArray()));
        var p = v.index_select(0, tensor(triplets.Select(t => (long)t.P).ToArray()));
        var n = v.index_select(0, tensor(triplets.Select(t => (long)t.N).ToArray()));
        Tensor Measure(Tensor u, Tensor w) => distance.Name switch
        {
            "euclidean" => (u - w).square().sum(1).sqrt(),
            "squared-euclidean" => (u - w).square().sum(1),
            "cosine" => 1 - (u * w).sum(1),
            _ => -(u * w).sum(1), // dot, as distance-like
        };
        var ap = Measure(a, p);
        var an = Measure(a, n);
        if (swap) an = minimum(an, Measure(p, n));
        var z = ap - an;
        return (soft ? nn.functional.softplus(z) : nn.functional.relu(z + margin)).sum();
    }
}
