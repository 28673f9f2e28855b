using TripletSharp.Sampling;

namespace TripletSharp.Tests.Sampling;

public class ClassBalancedSamplerTests
{
    private static long[] Labels(params int[] classSizes) =>
        classSizes.SelectMany((size, c) => Enumerable.Repeat((long)(c * 7 + 3), size)).OrderBy(_ => 0).ToArray();

    private static long[] Shuffled(long[] labels, int seed)
    {
        var r = new Random(seed);
        return labels.OrderBy(_ => r.Next()).ToArray();
    }

    [Fact]
    public void EveryBatchHasPClassesTimesKItems()
    {
        var labels = Shuffled(Labels(10, 3, 25, 8, 1, 12, 40, 6), 1); // includes classes smaller than K
        var sampler = new ClassBalancedSampler(labels, 4, 5, seed: 2);
        Assert.Equal(20, sampler.BatchSize);
        Assert.Equal(labels.Length / 20, sampler.BatchesPerEpoch);
        int batches = 0;
        foreach (var batch in sampler.GetEpoch(0))
        {
            batches++;
            Assert.Equal(20, batch.Length);
            var groups = batch.GroupBy(i => labels[i]).ToList();
            Assert.Equal(4, groups.Count);
            Assert.All(groups, g => Assert.Equal(5, g.Count()));
            // Repeats within a class only when the class has fewer than K items.
            foreach (var g in groups)
            {
                int size = labels.Count(l => l == g.Key);
                if (size >= 5) Assert.Equal(5, g.Distinct().Count());
                else Assert.Equal(size, g.Distinct().Count());
            }
        }
        Assert.Equal(sampler.BatchesPerEpoch, batches);
    }

    [Fact]
    public void EpochsAreDeterministicPerSeedAndEpochAndIndependentOfCallOrder()
    {
        var labels = Shuffled(Labels(9, 9, 9, 9, 9, 9), 3);
        var a = new ClassBalancedSampler(labels, 3, 3, seed: 11);
        var b = new ClassBalancedSampler(labels, 3, 3, seed: 11);
        var e2 = a.GetEpoch(2).ToList();
        var e0 = a.GetEpoch(0).ToList();
        Assert.Equal(b.GetEpoch(0).ToList(), e0);
        Assert.Equal(b.GetEpoch(2).ToList(), e2);
        Assert.Equal(e2, a.GetEpoch(2).ToList());
        Assert.NotEqual(e0, e2);
        Assert.NotEqual(e0, new ClassBalancedSampler(labels, 3, 3, seed: 12).GetEpoch(0).ToList());
        // Resuming mid-epoch: skipping batches gives the same remainder.
        Assert.Equal(e2.Skip(4), a.GetEpoch(2).Skip(4));
    }

    [Fact]
    public void AnEpochCoversTheDatasetAboutOnce()
    {
        var labels = Shuffled(Labels(20, 20, 20, 20, 20, 20, 20, 20, 20, 20), 5); // 200 items, 10 classes
        var sampler = new ClassBalancedSampler(labels, 5, 4, seed: 6);   // 10 batches of 20
        var draws = new int[labels.Length];
        foreach (var batch in sampler.GetEpoch(0))
            foreach (var i in batch) draws[i]++;
        Assert.True(draws.Count(d => d == 0) <= 10, $"{draws.Count(d => d == 0)} of 200 items never drawn");
        Assert.True(draws.Max() <= 2, $"an item was drawn {draws.Max()} times");

        // Unbalanced classes: over several epochs every item of every class is drawn.
        var uneven = Shuffled(Labels(3, 50, 7, 18, 2, 30), 7);
        var s2 = new ClassBalancedSampler(uneven, 3, 4, seed: 8);
        var seen = new HashSet<int>();
        for (int epoch = 0; epoch < 6; epoch++)
            foreach (var batch in s2.GetEpoch(epoch)) seen.UnionWith(batch);
        Assert.Equal(uneven.Length, seen.Count);
    }

    [Fact]
    public void BatchesPerEpochCanBeSet()
    {
        var sampler = new ClassBalancedSampler(Labels(5, 5, 5), 2, 2, seed: 1, batchesPerEpoch: 37);
        Assert.Equal(37, sampler.GetEpoch(0).Count());
    }

    [Fact]
    public void FromBatchSizeDerivesP()
    {
        var sampler = ClassBalancedSampler.FromBatchSize(Labels(8, 8, 8, 8), samplesPerClass: 4, batchSize: 12);
        Assert.Equal(3, sampler.ClassesPerBatch);
        Assert.Equal(4, sampler.SamplesPerClass);
        Assert.All(sampler.GetEpoch(0), b => Assert.Equal(12, b.Length));
    }

    [Fact]
    public void BadArgumentsAreRejectedWithTheirName()
    {
        var labels = Labels(4, 4, 4);
        Assert.Equal("classesPerBatch", Assert.ThrowsAny<ArgumentException>(() => new ClassBalancedSampler(labels, 0, 2)).ParamName);
        Assert.Equal("samplesPerClass", Assert.ThrowsAny<ArgumentException>(() => new ClassBalancedSampler(labels, 2, -1)).ParamName);
        var tooMany = Assert.ThrowsAny<ArgumentException>(() => new ClassBalancedSampler(labels, 4, 2));
        Assert.Equal("classesPerBatch", tooMany.ParamName);
        Assert.Contains("3 classes", tooMany.Message);
        Assert.Equal("labels", Assert.ThrowsAny<ArgumentException>(() => new ClassBalancedSampler(Array.Empty<long>(), 1, 1)).ParamName);
        Assert.Equal("labels", Assert.ThrowsAny<ArgumentException>(() => new ClassBalancedSampler(null!, 1, 1)).ParamName);
        Assert.Equal("batchesPerEpoch", Assert.ThrowsAny<ArgumentException>(() => new ClassBalancedSampler(labels, 2, 2, batchesPerEpoch: 0)).ParamName);
        var notMultiple = Assert.ThrowsAny<ArgumentException>(() => ClassBalancedSampler.FromBatchSize(labels, 4, 10));
        Assert.Equal("batchSize", notMultiple.ParamName);
        Assert.Contains("multiple", notMultiple.Message);
        Assert.Equal("epoch", Assert.ThrowsAny<ArgumentException>(() => new ClassBalancedSampler(labels, 2, 2).GetEpoch(-1)).ParamName);
    }
}
