using TripletSharp.Data;

namespace TripletSharp.Tests.Tuples;

/// <summary>The tuple set: checks when made, the seeded split by tuple, and pairs turned into training triplets.</summary>
public class TupleSetTests
{
    [Fact]
    public void Split_IsSeeded_Disjoint_AndKeepsFileOrder()
    {
        var n = Enumerable.Range(0, 50).ToArray();
        var set = TupleSet.FromTriplets(n, n.Select(i => (i + 1) % 60).ToArray(), n.Select(i => (i + 2) % 60).ToArray(), 60);
        var (train, test) = set.Split(0.2, seed: 3);
        var (train2, test2) = set.Split(0.2, seed: 3);
        Assert.Equal(10, test.Count);
        Assert.Equal(40, train.Count);
        Assert.Equal(test.First, test2.First);
        Assert.Equal(train.First, train2.First);
        Assert.Empty(train.First.Intersect(test.First));
        Assert.Equal(n, train.First.Concat(test.First).Order());
        Assert.Equal(train.First.Order(), train.First);
        Assert.NotEqual(test.First, set.Split(0.2, seed: 4).Test.First);
    }

    [Fact]
    public void Split_HoldsOutAtLeastOne_AndNoneAtZero()
    {
        var set = TupleSet.FromPairs([0, 1, 2], [1, 2, 3], [true, false, true], 4);
        Assert.Equal(1, set.Split(0.01, 0).Test.Count);
        Assert.Equal(0, set.Split(0, 0).Test.Count);
    }

    [Fact]
    public void Pairs_BecomeTriplets_NegativesJoinTheirAnchorsPositivesInTurn()
    {
        // Positives 0–1, 0–2; negatives 0–5, 0–6, 7–1 (7 has no positive, 1 does), 8–9 (neither: unused).
        var set = TupleSet.FromPairs([0, 0, 0, 0, 7, 8], [1, 2, 5, 6, 1, 9], [true, true, false, false, false, false], 10);
        var (a, p, n) = set.TrainingTriplets(out int unused);
        Assert.Equal([0, 0, 0, 0, 1], a);
        Assert.Equal([1, 2, 1, 2, 0], p);
        Assert.Equal([-1, -1, 5, 6, 7], n);
        Assert.Equal(1, unused);
    }

    [Fact]
    public void DegenerateTuples_AreRefused()
    {
        Assert.Contains("own negative", Assert.Throws<ArgumentException>(() => TupleSet.FromTriplets([0], [1], [0], 3)).Message);
        Assert.Contains("anchor itself", Assert.Throws<ArgumentException>(() => TupleSet.FromTriplets([1], [1], [0], 3)).Message);
        Assert.Contains("outside [0, 3)", Assert.Throws<ArgumentException>(() => TupleSet.FromPairs([0], [3], [true], 3)).Message);
        Assert.Contains("own negative", Assert.Throws<ArgumentException>(() => TupleSet.FromPairs([2], [2], [false], 3)).Message);
    }
}
