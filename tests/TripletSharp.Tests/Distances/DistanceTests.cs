using TripletSharp.Distances;
using TripletSharp.Engine;
using TripletSharp.Mining;
using TripletSharp.Tests.Reference;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Distances;

public class DistanceTests
{
    public static TheoryData<string, bool> Measures()
    {
        var data = new TheoryData<string, bool>();
        foreach (var (kind, normalize) in Cases.Measures) data.Add(kind, normalize);
        return data;
    }

    private static double Scale(RefMeasure r, double[] x, double[] y)
    {
        // float32 inputs are known to ~1e-7 relative: the error of a measure scales with |x|·|y| (and |x|² + |y|²).
        var a = r.Prepare(x);
        var b = r.Prepare(y);
        return a.Sum(v => v * v) + b.Sum(v => v * v) + Math.Abs(r.Raw(x, y));
    }

    [Theory]
    [MemberData(nameof(Measures))]
    public void MatrixMatchesDoubleLoop(string kind, bool normalize)
    {
        var distance = RefMeasure.Create(kind, normalize);
        var reference = RefMeasure.Of(distance);
        foreach (var batch in Cases.Batches())
        foreach (var torchOnly in new[] { false, true })
        {
            EngineSwitches.TorchOnly = torchOnly;
            try
            {
                using var scope = NewDisposeScope();
                var m = distance.Compute(batch.Embeddings()).to(ScalarType.Float64).data<double>().ToArray();
                for (int i = 0; i < batch.B; i++)
                    for (int j = 0; j < batch.B; j++)
                    {
                        double expected = i == j && !reference.Inverted ? 0 : reference.Raw(batch.X[i], batch.X[j]);
                        double actual = m[i * batch.B + j];
                        Assert.True(Math.Abs(actual - expected) <= 1e-6 * Scale(reference, batch.X[i], batch.X[j]) + 1e-12,
                            $"{kind} norm={normalize} torchOnly={torchOnly} {batch} [{i},{j}] = {actual}, expected {expected}");
                        if (i == j && !reference.Inverted) Assert.Equal(0.0, actual);
                        // Coincident points are exactly 0 for the Euclidean measures, and ties stay exact ties.
                        if (kind.Contains("euclidean") && batch.X[i].SequenceEqual(batch.X[j])) Assert.Equal(0.0, actual);
                    }
            }
            finally
            {
                EngineSwitches.TorchOnly = false;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Measures))]
    public void DuplicatedColumnsGiveBitwiseEqualValues(string kind, bool normalize)
    {
        var distance = RefMeasure.Create(kind, normalize);
        var batch = TestData.Gaussian(11, 40, 16, 3);
        var x = batch.X.ToArray();
        x[7] = x[3];
        x[29] = x[3];
        using var scope = NewDisposeScope();
        var m = distance.Compute((batch with { X = x }).Embeddings()).data<float>().ToArray();
        for (int i = 0; i < 40; i++)
        {
            if (i is 3 or 7 or 29) continue;
            Assert.Equal(m[i * 40 + 3], m[i * 40 + 7]);
            Assert.Equal(m[i * 40 + 3], m[i * 40 + 29]);
        }
    }

    [Theory]
    [MemberData(nameof(Measures))]
    public void CrossMatrixAndPairwiseMatchDoubleLoop(string kind, bool normalize)
    {
        var distance = RefMeasure.Create(kind, normalize);
        var reference = RefMeasure.Of(distance);
        var q = TestData.Gaussian(21, 7, 5, 2, duplicates: 0);
        var r = TestData.Gaussian(22, 9, 5, 2, duplicates: 0);
        var rx = r.X.ToArray();
        rx[4] = q.X[2]; // a coincident query/reference pair
        r = r with { X = rx };
        using var scope = NewDisposeScope();
        var m = distance.Compute(q.Embeddings(ScalarType.Float64), r.Embeddings(ScalarType.Float64)).data<double>().ToArray();
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 9; j++)
                Assert.True(Math.Abs(m[i * 9 + j] - reference.Raw(q.X[i], r.X[j])) <= 1e-12 * Scale(reference, q.X[i], r.X[j]) + 1e-14, $"[{i},{j}]");
        var pw = distance.Pairwise(q.Embeddings(ScalarType.Float64), r.Embeddings(ScalarType.Float64).narrow(0, 0, 7)).data<double>().ToArray();
        for (int i = 0; i < 7; i++)
            Assert.True(Math.Abs(pw[i] - reference.Raw(q.X[i], r.X[i])) <= 1e-12 * Scale(reference, q.X[i], r.X[i]) + 1e-14, $"pairwise {i}");
    }

    /// <summary>Gradient of Σ W∘M (random W) for the self and the cross matrix, against central finite differences in float64.</summary>
    [Theory]
    [MemberData(nameof(Measures))]
    public void GradientMatchesFiniteDifferences(string kind, bool normalize)
    {
        var distance = RefMeasure.Create(kind, normalize);
        var q = TestData.Gaussian(31, 6, 3, 2).Embeddings(ScalarType.Float64);
        var r = TestData.Gaussian(32, 5, 3, 2).Embeddings(ScalarType.Float64);
        foreach (bool self in new[] { true, false })
        {
            using var scope = NewDisposeScope();
            var w = TestData.Gaussian(33, 6, self ? 6 : 5, 1).Embeddings(ScalarType.Float64);
            Func<Tensor, double> f = x =>
            {
                using var inner = NewDisposeScope();
                using var ng = no_grad();
                return (distance.Compute(x, self ? null : r) * w).sum().item<double>();
            };
            var xq = q.clone().requires_grad_(true);
            (distance.Compute(xq, self ? null : r) * w).sum().backward();
            var analytic = xq.grad!.data<double>().ToArray();
            var numeric = FiniteDifferences(f, q);
            for (int i = 0; i < analytic.Length; i++)
                Assert.True(Math.Abs(analytic[i] - numeric[i]) <= 1e-6 * (1 + Math.Abs(numeric[i])), $"{kind} self={self} grad[{i}] {analytic[i]} vs {numeric[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Measures))]
    public void CoincidentPointsHaveFiniteGradients(string kind, bool normalize)
    {
        var distance = RefMeasure.Create(kind, normalize);
        foreach (var x0 in new[] { ones(5, 4), zeros(5, 4), TestData.Gaussian(3, 5, 4, 1, duplicates: 6).Embeddings() })
        {
            using var scope = NewDisposeScope();
            var x = x0.clone().requires_grad_(true);
            var m = distance.Compute(x);
            Assert.True(m.isfinite().all().item<bool>());
            m.sum().backward();
            Assert.True(x.grad!.isfinite().all().item<bool>(), $"{kind}: non-finite gradient");
        }
    }

    [Fact]
    public void BadInputIsRejectedWithTheArgumentName()
    {
        var d = new EuclideanDistance();
        using var scope = NewDisposeScope();
        Assert.Equal("query", Assert.ThrowsAny<ArgumentException>(() => d.Compute(ones(3))).ParamName);
        Assert.Equal("query", Assert.ThrowsAny<ArgumentException>(() => d.Compute(ones(2, 3, 4))).ParamName);
        Assert.Equal("query", Assert.ThrowsAny<ArgumentException>(() => d.Compute(tensor(new[] { 1f, float.NaN }).reshape(1, 2))).ParamName);
        Assert.Equal("query", Assert.ThrowsAny<ArgumentException>(() => d.Compute(ones(2, 2, dtype: ScalarType.Int64))).ParamName);
        Assert.Equal("reference", Assert.ThrowsAny<ArgumentException>(() => d.Compute(ones(2, 3), ones(2, 4))).ParamName);
        Assert.Equal("reference", Assert.ThrowsAny<ArgumentException>(() => d.Compute(ones(2, 3), full(2, 3, float.PositiveInfinity))).ParamName);
        Assert.Equal("y", Assert.ThrowsAny<ArgumentException>(() => d.Pairwise(ones(2, 3), ones(3, 3))).ParamName);
    }

    internal static double[] FiniteDifferences(Func<Tensor, double> f, Tensor x, double h = 1e-6)
    {
        var flat = x.flatten().data<double>().ToArray();
        var result = new double[flat.Length];
        for (int i = 0; i < flat.Length; i++)
        {
            var plus = (double[])flat.Clone();
            var minus = (double[])flat.Clone();
            plus[i] += h;
            minus[i] -= h;
            using var scope = NewDisposeScope();
            result[i] = (f(tensor(plus, x.shape, dtype: ScalarType.Float64)) - f(tensor(minus, x.shape, dtype: ScalarType.Float64))) / (2 * h);
        }
        return result;
    }
}
