using TripletSharp.Data;

namespace TripletSharp.Tests.Data;

public class DatasetSplitterTests
{
    private static long[] Labels(params int[] classSizes) =>
        classSizes.SelectMany((n, c) => Enumerable.Repeat((long)c, n)).ToArray();

    private static long[] Interleaved(int seed, params int[] classSizes)
    {
        var labels = Labels(classSizes);
        var rng = new Random(seed);
        return labels.OrderBy(_ => rng.Next()).ToArray();
    }

    [Fact]
    public void StratifiedSplitIsAPartitionWithPerClassProportions()
    {
        var labels = Interleaved(1, 50, 11, 1, 2, 7, 0, 3);
        var (train, test) = DatasetSplitter.Stratified(labels, 0.3, seed: 5);
        Assert.Equal(Enumerable.Range(0, labels.Length), train.Concat(test).Order());
        Assert.Equal(train.Order(), train);
        Assert.Equal(test.Order(), test);
        foreach (var c in labels.Distinct())
        {
            int n = labels.Count(l => l == c);
            int expected = Math.Min(n - 1, (int)Math.Round(n * 0.3, MidpointRounding.AwayFromZero));
            Assert.Equal(expected, test.Count(i => labels[i] == c));
        }
        // A class with a single item trains only.
        Assert.DoesNotContain(test, i => labels[i] == 2);
    }

    [Fact]
    public void StratifiedSplitIsSeededAndDeterministic()
    {
        var labels = Interleaved(2, 40, 40, 40);
        var a = DatasetSplitter.Stratified(labels, 0.25, 7);
        var b = DatasetSplitter.Stratified(labels, 0.25, 7);
        var c = DatasetSplitter.Stratified(labels, 0.25, 8);
        Assert.Equal(a.Test, b.Test);
        Assert.Equal(a.Train, b.Train);
        Assert.NotEqual(a.Test, c.Test);
        Assert.Equal(30, a.Test.Length);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void StratifiedSplitRejectsBadFractions(double f) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplitter.Stratified(new long[] { 0, 1 }, f, 0));

    [Fact]
    public void BalancedSliceIsAsEqualAsClassSizesAllow()
    {
        var labels = Interleaved(3, 100, 100, 3, 100, 1);
        var slice = DatasetSplitter.BalancedSlice(labels, 50, seed: 9);
        Assert.Equal(50, slice.Length);
        Assert.Equal(slice.Distinct().Order(), slice);
        var counts = labels.Distinct().Order().Select(c => slice.Count(i => labels[i] == c)).ToArray();
        // Small classes are taken whole; the rest split the remaining 46 as evenly as possible.
        Assert.Equal(3, counts[2]);
        Assert.Equal(1, counts[4]);
        var big = new[] { counts[0], counts[1], counts[3] };
        Assert.Equal(46, big.Sum());
        Assert.True(big.Max() - big.Min() <= 1);
        Assert.Equal(slice, DatasetSplitter.BalancedSlice(labels, 50, seed: 9));
        Assert.NotEqual(slice, DatasetSplitter.BalancedSlice(labels, 50, seed: 10));
    }

    [Fact]
    public void BalancedSliceOfEverythingIsEverything()
    {
        var labels = Interleaved(4, 5, 6);
        Assert.Equal(Enumerable.Range(0, 11), DatasetSplitter.BalancedSlice(labels, 11, 0));
        Assert.Equal(Enumerable.Range(0, 11), DatasetSplitter.BalancedSlice(labels, 1000, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplitter.BalancedSlice(labels, 0, 0));
    }
}
