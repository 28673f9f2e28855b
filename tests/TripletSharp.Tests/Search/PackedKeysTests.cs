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

    [Fact]
    public void QuickSelectFindsTheRank()
    {
        var rng = new Random(2);
        for (int t = 0; t < 50; t++)
        {
            var a = Enumerable.Range(0, rng.Next(1, 300)).Select(_ => (float)rng.Next(20)).ToArray();
            int r = rng.Next(a.Length);
            var sorted = a.OrderBy(v => v).ToArray();
            Assert.Equal(sorted[r], PackedKeys.QuickSelect(a, r));
        }
    }
}
