using TripletSharp.Data;

namespace TripletSharp.Tests.Recommendation;

/// <summary>The three splits, and the users they skip and count.</summary>
public class InteractionsSplitterTests
{
    /// <summary>User a: positives 1 (t=5), 2 (t=9, but listed first), 3 (t=1), a low rating 4 (t=20). b: one positive. c: none.</summary>
    private static Interactions Data() => new("mem", ["a", "b", "c"], ["1", "2", "3", "4"],
        users: [0, 0, 0, 0, 1, 2], items: [1, 0, 2, 3, 0, 1], ratings: [5, 5, 5, 1, 5, 1], times: [9, 5, 1, 20, 3, 4],
        positive: [true, true, true, false, true, false]);

    [Fact]
    public void LeaveLastOutHoldsOutTheLatestPositiveByTime()
    {
        var s = InteractionsSplitter.Split(Data(), InteractionsSplitMode.LeaveLastOut);
        Assert.Equal([1], s.TestPositives[0]);                 // item "2" at t=9, not the file's last row
        Assert.Equal([2, 0], s.TrainPositives[0]);             // time order: t=1, t=5
        Assert.Equal([2, 0, 3], s.Seen[0]);                    // the low rating is seen, not a positive
        Assert.Empty(s.TestPositives[1]);                      // b's only positive stays in training
        Assert.Equal([0], s.TrainPositives[1]);
        Assert.Equal(1, s.UsersWithoutTraining);
        Assert.Equal(1, s.UsersWithoutPositives);
        Assert.Equal([0], s.EvaluatedUsers);
    }

    [Fact]
    public void TimeSplitCutsGlobally()
    {
        // 6 interactions, fraction 0.5: the cut is the 4th time in order (5); at or after it is held out.
        var s = InteractionsSplitter.Split(Data(), InteractionsSplitMode.Time, testFraction: 0.5);
        Assert.Equal([0, 1], s.TestPositives[0]);
        Assert.Equal([2], s.TrainPositives[0]);
        Assert.DoesNotContain(3, s.Seen[0]);                   // the later low rating is neither seen nor held out
        Assert.Empty(s.TestPositives[1]);
    }

    [Fact]
    public void RandomSplitKeepsATrainingPositive()
    {
        for (int seed = 0; seed < 10; seed++)
        {
            var s = InteractionsSplitter.Split(Data(), InteractionsSplitMode.Random, testFraction: 0.9, seed: seed);
            Assert.Equal(2, s.TestPositives[0].Length);
            Assert.Single(s.TrainPositives[0]);
            Assert.Empty(s.TrainPositives[0].Intersect(s.TestPositives[0]));
        }
    }

    [Fact]
    public void TimeSplitsNeedTimes()
    {
        var d = Data();
        var noTimes = new Interactions("f.csv", d.UserIds, d.ItemIds, d.Users, d.Items, d.Ratings, null, d.Positive);
        var e = Assert.Throws<ArgumentException>(() => InteractionsSplitter.Split(noTimes, InteractionsSplitMode.LeaveLastOut));
        Assert.Contains("no time column", e.Message);
        Assert.NotNull(InteractionsSplitter.Split(noTimes, InteractionsSplitMode.Random));
    }
}
