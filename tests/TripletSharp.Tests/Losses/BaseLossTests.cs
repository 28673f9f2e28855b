using TripletSharp.Distances;
using TripletSharp.Losses;
using TripletSharp.Mining;
using TripletSharp.Tests.Reference;
using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Losses;

/// <summary>The loss base class: a minimal subclass gets checks, the mined-or-all choice and every reducer for free.</summary>
public class BaseLossTests
{
    /// <summary>The hinge triplet loss written the plain way: explicit triplets and row-wise distances.</summary>
    private sealed class PlainTripletLoss(double margin, BaseReducer reducer) : BaseMetricLossFunction(null, reducer)
    {
        protected override LossTerms ComputeLoss(LossInput input)
        {
            var t = input.Triplets();
            var x = input.Embeddings;
            var a = x.index_select(0, t.Anchors);
            var ap = Distance.Pairwise(a, x.index_select(0, t.Positives));
            var an = Distance.Pairwise(a, x.index_select(0, t.Negatives));
            using var m = margin.ToScalar();
            return LossTerms.FromValues(nn.functional.relu(ap.sub(an).add(m)));
        }
    }

    [Theory]
    [InlineData("none")]
    [InlineData("batch-all")]
    [InlineData("semihard")]
    [InlineData("batch-hard")]
    public void MinimalSubclassAgreesWithTripletMarginLossForEveryReducer(string minerName)
    {
        var batch = TestData.Gaussian(3, 24, 5, 4);
        foreach (var reducerName in Cases.Reducers)
        {
            using var scope = NewDisposeScope();
            var labels = batch.LabelTensor();
            var x1 = batch.Embeddings().requires_grad_(true);
            var x2 = batch.Embeddings().requires_grad_(true);
            using var mined = Cases.Miner(minerName, new EuclideanDistance())?.Mine(x1, labels);
            var expected = new TripletMarginLoss(0.2, reducer: Cases.Reducer(reducerName)).ComputeDetailed(x1, labels, mined);
            var actual = new PlainTripletLoss(0.2, Cases.Reducer(reducerName)).ComputeDetailed(x2, labels, mined);
            Assert.True(expected.TripletCount > 0, $"{minerName}: no triplet");
            Assert.Equal(expected.TripletCount, actual.TripletCount);
            Assert.Equal(expected.ActiveTripletCount, actual.ActiveTripletCount);
            var e = expected.Loss.detach().to_type(ScalarType.Float64).data<double>().ToArray();
            var a = actual.Loss.detach().to_type(ScalarType.Float64).data<double>().ToArray();
            Assert.Equal(e.Length, a.Length);
            for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5 * (1 + Math.Abs(e[i])), $"{minerName} {reducerName} [{i}]: {a[i]} vs {e[i]}");
            (reducerName == "none" ? expected.Loss.sum() : expected.Loss).backward();
            (reducerName == "none" ? actual.Loss.sum() : actual.Loss).backward();
            Assert.True(x1.grad!.allclose(x2.grad!, 1e-4, 1e-5), $"{minerName} {reducerName}: gradients differ");
        }
    }

    [Fact]
    public void BaseChecksInputBeforeTheSubclassRuns()
    {
        using var scope = NewDisposeScope();
        var loss = new PlainTripletLoss(0.2, new MeanReducer());
        Assert.Throws<ArgumentException>(() => loss.Compute(zeros(4), tensor(new long[] { 0, 0, 1, 1 })));
        var x = randn(4, 3);
        var labels = tensor(new long[] { 0, 0, 1, 1 });
        using var bad = new TripletIndices(tensor(new long[] { 0 }), tensor(new long[] { 2 }), tensor(new long[] { 3 }));
        Assert.Equal("indices", Assert.Throws<ArgumentException>(() => loss.Compute(x, labels, bad)).ParamName);
    }
}
