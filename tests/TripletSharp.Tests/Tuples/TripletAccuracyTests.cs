using TripletSharp.Distances;
using TripletSharp.Evaluation;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Tuples;

/// <summary>Held-out triplet accuracy against a double-precision loop: ties count as wrong; similarities compare the other way.</summary>
public class TripletAccuracyTests
{
    [Theory]
    [InlineData("euclidean")]
    [InlineData("cosine")]
    public void MatchesADoubleLoop_TiesCountAsWrong(string measure)
    {
        // Signed unit axes: many exact ties (duplicate points, equal distances), decided the same in float and double.
        var rng = new Random(5);
        int n = 30, dim = 3, t = 400;
        var x = new float[n * dim];
        for (int i = 0; i < n; i++) x[i * dim + rng.Next(dim)] = rng.Next(2) == 0 ? -1 : 1;
        var a = new int[t]; var p = new int[t]; var q = new int[t];
        for (int i = 0; i < t; i++) { a[i] = rng.Next(n); p[i] = rng.Next(n); q[i] = rng.Next(n); }
        bool cosine = measure == "cosine";
        double M(int i, int j)
        {
            double dot = 0, ni = 0, nj = 0, d2 = 0;
            for (int k = 0; k < dim; k++)
            {
                double u = x[i * dim + k], v = x[j * dim + k];
                dot += u * v; ni += u * u; nj += v * v; d2 += (u - v) * (u - v);
            }
            return cosine ? dot / Math.Sqrt(ni * nj) : Math.Sqrt(d2);
        }
        int right = 0, ties = 0;
        for (int i = 0; i < t; i++)
        {
            double ap = M(a[i], p[i]), an = M(a[i], q[i]);
            if (Math.Abs(ap - an) < 1e-12) ties++;
            else if (cosine ? ap > an : ap < an) right++;
        }
        Assert.True(ties > 20);
        using var scope = NewDisposeScope();
        BaseDistance distance = cosine ? new CosineDistance() : new EuclideanDistance();
        double got = TripletAccuracy.Compute(tensor(x, [n, dim]), a, p, q, distance);
        Assert.Equal((double)right / t, got, 12);
    }

    [Fact]
    public void NoTriplets_IsNaN_AndBadRowsAreRefused()
    {
        using var scope = NewDisposeScope();
        var e = ones(3, 2);
        Assert.True(double.IsNaN(TripletAccuracy.Compute(e, [], [], [])));
        Assert.Throws<ArgumentException>(() => TripletAccuracy.Compute(e, [0], [1], [3]));
        Assert.Equal(0, TripletAccuracy.Compute(e, [0], [1], [2]));
    }
}
