using TripletSharp.Distances;
using TripletSharp.Losses;
using TripletSharp.Mining;
using TripletSharp.Tests.Reference;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Losses;

/// <summary>Issue section 3: degenerate batches and bad input.</summary>
public class EdgeCaseTests
{
    public static TheoryData<string> Miners() => new(Cases.MinerNames);

    private static IEnumerable<(double Margin, bool Soft, bool Swap)> Modes => new[] { (0.2, false, false), (0.2, false, true), (0.0, true, false) };

    [Theory]
    [MemberData(nameof(Miners))]
    public void NoValidTripletGivesExactZeroConnectedLossAndZeroGradients(string minerName)
    {
        var batches = new[]
        {
            TestData.AllDistinct(1, 8, 4),
            TestData.OneClass(2, 8, 4),
            new Batch("single row", new[] { new[] { 1.0, 2.0 } }, new long[] { 3 }),
        };
        foreach (var batch in batches)
        foreach (var (kind, normalize) in Cases.Measures)
        foreach (var (margin, soft, swap) in Modes)
        foreach (var reducerName in Cases.Reducers)
        {
            using var scope = NewDisposeScope();
            var distance = RefMeasure.Create(kind, normalize);
            var x = batch.Embeddings().requires_grad_(true);
            var labels = batch.LabelTensor();
            using var mined = Cases.Miner(minerName, distance)?.Mine(x, labels);
            if (mined is not null)
            {
                Assert.Equal(0, mined.Stats.TripletCount);
                Assert.Equal(0, mined.Stats.AnchorFraction);
            }
            var output = new TripletMarginLoss(margin, soft, swap, distance, Cases.Reducer(reducerName)).ComputeDetailed(x, labels, mined);
            Assert.Equal(0, output.TripletCount);
            Assert.Equal(0, output.ActiveTripletCount);
            Assert.Equal(0.0, output.ActiveFraction);
            Assert.True(output.Loss.requires_grad, "the loss must stay connected to the graph");
            if (reducerName == "none")
            {
                Assert.Equal(0, output.Loss.shape[0]);
                continue;
            }
            Assert.Equal(0.0, output.Loss.item<float>());
            output.Loss.backward();
            Assert.True(x.grad is not null && x.grad.eq(0).all().item<bool>(), $"{minerName} {kind} {batch}: gradients must be exactly 0");
        }
    }

    [Fact]
    public void EmptySelectionAfterMiningGivesZeroLoss()
    {
        using var scope = NewDisposeScope();
        // Well separated classes: no hard negative, no semi-hard one with margin 0.
        var x = tensor(new float[] { 0, 0, 0.1f, 0, 10, 10, 10.1f, 10 }).reshape(4, 2).requires_grad_(true);
        var labels = tensor(new long[] { 0, 0, 1, 1 });
        foreach (var miner in new BaseMiner[] { new HardNegativeMiner(), new SemiHardMiner(0), new BatchAllMiner(true, 0) })
        {
            using var mined = miner.Mine(x, labels);
            var output = new TripletMarginLoss().ComputeDetailed(x, labels, mined);
            Assert.Equal(0, output.TripletCount);
            Assert.Equal(0.0, output.Loss.item<float>());
            output.Loss.backward();
            Assert.True(x.grad!.eq(0).all().item<bool>());
            Assert.Equal(0, mined.Stats.TripletCount);
            Assert.True(double.IsNaN(mined.Stats.MeanAnchorPositive));
        }
        using var explicitNone = new TripletIndices(empty(0, dtype: ScalarType.Int64), empty(0, dtype: ScalarType.Int64), empty(0, dtype: ScalarType.Int64));
        Assert.Equal(0.0, new TripletMarginLoss().Compute(x, labels, explicitNone).item<float>());
    }

    [Theory]
    [MemberData(nameof(Miners))]
    public void IdenticalAndZeroEmbeddingsGiveFiniteLossAndGradients(string minerName)
    {
        var labels = tensor(new long[] { 0, 0, 1, 1, 2, 2, 2, 3 });
        foreach (var x0 in new[] { zeros(8, 4), ones(8, 4), full(8, 4, 0.5).index_put_(tensor(new float[] { 0, 0, 0, 0 }), tensor(new long[] { 3 })) })
        foreach (var (kind, normalize) in Cases.Measures)
        foreach (var (margin, soft, swap) in Modes)
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            using var scope = NewDisposeScope();
            var distance = RefMeasure.Create(kind, normalize);
            var x = x0.detach().to(dtype).clone().requires_grad_(true);
            using var mined = Cases.Miner(minerName, distance)?.Mine(x, labels);
            var loss = new TripletMarginLoss(margin, soft, swap, distance).Compute(x, labels, mined);
            Assert.True(loss.isfinite().all().item<bool>(), $"{minerName} {kind}: loss not finite");
            loss.backward();
            Assert.True(x.grad!.isfinite().all().item<bool>(), $"{minerName} {kind} m={margin} soft={soft} swap={swap}: gradient not finite");
            if (mined is not null) Assert.False(double.IsInfinity(mined.Stats.MeanAnchorPositive));
        }
    }

    [Fact]
    public void BadEmbeddingsAreRejectedByLossAndMiners()
    {
        using var scope = NewDisposeScope();
        var labels = tensor(new long[] { 0, 0, 1 });
        var loss = new TripletMarginLoss();
        var miners = Cases.MinerNames.Select(n => Cases.Miner(n, new EuclideanDistance())).Where(m => m is not null).ToList();
        var bad = new (Tensor X, string Why)[]
        {
            (ones(3), "1-D"),
            (ones(3, 2, 2), "3-D"),
            (tensor(new float[] { 1, 2, float.NaN, 4, 5, 6 }).reshape(3, 2), "NaN"),
            (tensor(new float[] { 1, 2, float.PositiveInfinity, 4, 5, 6 }).reshape(3, 2), "Inf"),
            (ones(3, 2, dtype: ScalarType.Int32), "integer"),
            (empty(0, 2), "empty batch"),
            (empty(3, 0), "zero dimension"),
        };
        foreach (var (x, why) in bad)
        {
            var lossError = Assert.ThrowsAny<ArgumentException>(() => loss.Compute(x, labels));
            Assert.Equal("embeddings", lossError.ParamName);
            Assert.Contains("embeddings", lossError.Message);
            foreach (var miner in miners)
                Assert.Equal("embeddings", Assert.ThrowsAny<ArgumentException>(() => miner!.Mine(x, labels)).ParamName);
            _ = why;
        }
    }

    [Fact]
    public void BadLabelsAreRejected()
    {
        using var scope = NewDisposeScope();
        var x = ones(3, 2);
        var loss = new TripletMarginLoss();
        var miner = new SemiHardMiner();
        foreach (var labels in new[] { tensor(new long[] { 0, 1 }), tensor(new long[] { 0, 1, 1, 2 }), ones(3, 2, dtype: ScalarType.Int64), tensor(new float[] { 0, 1, 1 }), ones(1, 3, dtype: ScalarType.Int64), tensor(new[] { true, false, true }) })
        {
            Assert.Equal("labels", Assert.ThrowsAny<ArgumentException>(() => loss.Compute(x, labels)).ParamName);
            Assert.Equal("labels", Assert.ThrowsAny<ArgumentException>(() => miner.Mine(x, labels)).ParamName);
        }
    }

    [Fact]
    public void LabelsAsColumnAndInt32AreAccepted()
    {
        using var scope = NewDisposeScope();
        var batch = TestData.Gaussian(3, 12, 3, 3);
        var x = batch.Embeddings();
        var reference = new TripletMarginLoss().Compute(x, batch.LabelTensor()).item<float>();
        Assert.Equal(reference, new TripletMarginLoss().Compute(x, batch.LabelTensor().unsqueeze(1)).item<float>());
        Assert.Equal(reference, new TripletMarginLoss().Compute(x, batch.LabelTensor().to(ScalarType.Int32)).item<float>());
        using var mined = new SemiHardMiner().Mine(x, batch.LabelTensor().unsqueeze(1));
        Assert.True(mined.Stats.TripletCount > 0);
    }

    [Fact]
    public void NegativeOrNonFiniteMarginsAreRejected()
    {
        Assert.Equal("margin", Assert.ThrowsAny<ArgumentException>(() => new TripletMarginLoss(-0.1)).ParamName);
        Assert.Equal("margin", Assert.ThrowsAny<ArgumentException>(() => new TripletMarginLoss(double.NaN)).ParamName);
        Assert.Equal("margin", Assert.ThrowsAny<ArgumentException>(() => new SemiHardMiner(-1)).ParamName);
        Assert.Equal("margin", Assert.ThrowsAny<ArgumentException>(() => new BatchAllMiner(true, double.PositiveInfinity)).ParamName);
        Assert.Equal("tripletsPerAnchor", Assert.ThrowsAny<ArgumentException>(() => new RandomTripletMiner(0)).ParamName);
        Assert.Equal("cutoff", Assert.ThrowsAny<ArgumentException>(() => new DistanceWeightedMiner(cutoff: 0)).ParamName);
        Assert.Equal("nonzeroLossCutoff", Assert.ThrowsAny<ArgumentException>(() => new DistanceWeightedMiner(nonzeroLossCutoff: -1)).ParamName);
        Assert.Equal("distance", Assert.ThrowsAny<ArgumentException>(() => new DistanceWeightedMiner(distance: new CosineDistance())).ParamName);
    }

    [Fact]
    public void ExplicitTripletsAreValidated()
    {
        using var scope = NewDisposeScope();
        var x = ones(4, 2);
        var labels = tensor(new long[] { 0, 0, 1, 1 });
        var loss = new TripletMarginLoss();
        TripletIndices T(long[] a, long[] p, long[] n) => new(tensor(a), tensor(p), tensor(n));
        Assert.Equal("indices", Assert.ThrowsAny<ArgumentException>(() => loss.Compute(x, labels, T(new long[] { 0 }, new long[] { 1 }, new long[] { 4 }))).ParamName);
        Assert.Equal("indices", Assert.ThrowsAny<ArgumentException>(() => loss.Compute(x, labels, T(new long[] { -1 }, new long[] { 1 }, new long[] { 2 }))).ParamName);
        Assert.Equal("indices", Assert.ThrowsAny<ArgumentException>(() => loss.Compute(x, labels, T(new long[] { 0 }, new long[] { 2 }, new long[] { 3 }))).ParamName); // positive of another class
        Assert.Equal("indices", Assert.ThrowsAny<ArgumentException>(() => loss.Compute(x, labels, T(new long[] { 0 }, new long[] { 0 }, new long[] { 3 }))).ParamName); // anchor as its own positive
        Assert.Equal("indices", Assert.ThrowsAny<ArgumentException>(() => loss.Compute(x, labels, T(new long[] { 0 }, new long[] { 1 }, new long[] { 1 }))).ParamName); // same-class negative
        Assert.Equal("indices", Assert.ThrowsAny<ArgumentException>(() => loss.Compute(x, labels, T(new long[] { 0, 1 }, new long[] { 1 }, new long[] { 2 }))).ParamName); // lengths differ
        Assert.Equal(0.2f, loss.Compute(x, labels, T(new long[] { 0 }, new long[] { 1 }, new long[] { 2 })).item<float>(), 6);
    }

    [Fact]
    public void NoReducerRefusesToMaterialiseHugeBands()
    {
        using var scope = NewDisposeScope();
        // 2 classes of 300: 600·299·300 ≈ 54M triplets, more than the materialisation limit.
        var x = randn(600, 4);
        var labels = arange(600) % 2;
        var error = Assert.Throws<InvalidOperationException>(() => new TripletMarginLoss(reducer: new NoReducer()).Compute(x, labels));
        Assert.Contains("53,820,000", error.Message);
        // Reducing losses handle the same batch in O(B²).
        Assert.True(new TripletMarginLoss().Compute(x, labels).isfinite().item<bool>());
    }

    [Fact]
    public void ReducersDivideTheTotals()
    {
        using var scope = NewDisposeScope();
        var sum = tensor(6.0).requires_grad_(true);
        Assert.Equal(2.0, new AvgNonZeroReducer().Reduce(sum, 10, 3).item<double>());
        Assert.Equal(0.6, new MeanReducer().Reduce(sum, 10, 3).item<double>(), 12);
        Assert.Equal(6.0, new SumReducer().Reduce(sum, 10, 3).item<double>());
        var zero = tensor(0.0).requires_grad_(true);
        var r = new AvgNonZeroReducer().Reduce(zero, 5, 0);
        Assert.Equal(0.0, r.item<double>());
        Assert.True(r.requires_grad);
        Assert.Equal(0.0, new MeanReducer().Reduce(zero, 0, 0).item<double>());
        Assert.Throws<InvalidOperationException>(() => new NoReducer().Reduce(sum, 1, 1));
    }

    [Fact]
    public void WorksWithoutGradientTracking()
    {
        using var scope = NewDisposeScope();
        var batch = TestData.Gaussian(8, 16, 3, 3);
        var x = batch.Embeddings();
        float expected = new TripletMarginLoss().Compute(x.clone().requires_grad_(true), batch.LabelTensor()).item<float>();
        using (no_grad())
            Assert.Equal(expected, new TripletMarginLoss().Compute(x, batch.LabelTensor()).item<float>(), 6);
        Assert.Equal(expected, new TripletMarginLoss().Compute(x, batch.LabelTensor()).item<float>(), 6);
    }
}
