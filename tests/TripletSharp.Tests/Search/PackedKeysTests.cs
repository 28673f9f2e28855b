using TripletSharp.Engine;
using TripletSharp.Search;

namespace TripletSharp.Tests.Search;

public class PackedKeysTests
{
    [Fact]
    public void PackOrdersLikeTheFloatsThenTheColumn()
    {
        var rng = new Random(1);
        var values = new List<float> { 0f, -0f, float.Epsilon, -float.Epsilon, 1e-30f, -1e-30f, 3f, -3f, float.MaxValue, float.MinValue };
        for (int i = 0; i < 500; i++) values.Add((float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-8, 8))));
        var packed = values.Select((v, i) => (v, i, p: PackedKeys.Pack(v, i))).ToArray();
        foreach (var a in packed)
        {
            Assert.Equal(a.v == 0 ? 0f : a.v, PackedKeys.Key(a.p));
            Assert.Equal(a.i, PackedKeys.Column(a.p));
            foreach (var b in packed)
            {
                int expected = a.v != b.v ? a.v.CompareTo(b.v) : a.i.CompareTo(b.i); // -0 == +0
                Assert.Equal(Math.Sign(expected), Math.Sign(a.p.CompareTo(b.p)));
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(3000)]
    public void SortEqualsAFullSort(int n)
    {
        var rng = new Random(n);
        // Few distinct keys (ties) mixed with spread ones of both signs, appended in column order.
        var a = Enumerable.Range(0, n).Select(j => PackedKeys.Pack(rng.Next(3) == 0 ? rng.Next(-3, 4) : (float)(rng.NextDouble() * 8 - 4), j)).ToArray();
        var expected = a.OrderBy(p => p).ToArray();
        var sorted = PackedKeys.Sort(a, new ulong[n], new int[PackedKeys.HistogramSize]).ToArray();
        Assert.Equal(expected, sorted);
    }

    [Theory]
    [InlineData(1)]     // 22 bits or fewer vary: exact LSD passes
    [InlineData(2)]     // many binades: quantised passes + insertion fix-up
    [InlineData(3)]     // one far outlier crowds everything into a few quanta: comparison-sort fallback
    public void SortPathsEqualAFullSort(int kind)
    {
        var rng = new Random(kind);
        var a = Enumerable.Range(0, 4000).Select(j =>
        {
            float v = kind switch
            {
                1 => 1f + (float)rng.NextDouble() * 1e-3f,
                2 => (float)(Math.Exp(rng.NextDouble() * 40 - 20) * (rng.Next(2) * 2 - 1)),
                _ => j == 1234 ? 1e30f : (float)rng.NextDouble(),
            };
            return PackedKeys.Pack(rng.Next(5) == 0 ? (kind == 1 ? 1.0005f : 0.5f) : v, j);
        }).ToArray();
        var expected = a.OrderBy(p => p).ToArray();
        Assert.Equal(expected, PackedKeys.Sort(a, new ulong[a.Length], new int[PackedKeys.HistogramSize]).ToArray());
    }

    [Fact]
    public void ThresholdAtRankCoversTheRankAndLittleMore()
    {
        var rng = new Random(2);
        var hist = new int[2048];
        for (int t = 0; t < 50; t++)
        {
            var a = Enumerable.Range(0, rng.Next(1, 3000)).Select(_ => (float)((rng.NextDouble() - 0.3) * Math.Pow(10, rng.Next(-3, 3)))).ToArray();
            if (t % 5 == 0) for (int i = 0; i < a.Length; i += 2) a[i] = 0.25f; // ties
            int r = rng.Next(a.Length);
            var sorted = a.OrderBy(v => v).ToArray();
            float th = PackedKeys.ThresholdAtRank(a, r, hist);
            Assert.True(a.Count(v => v <= th) >= r + 1);
            Assert.True(th <= sorted[r] + Math.Abs(sorted[r]) * Math.Pow(2, -12), $"{th} vs {sorted[r]}");
        }
    }
}
