using TripletSharp.Data;
using TripletSharp.Tests.Data;

namespace TripletSharp.Tests.Recommendation;

/// <summary>The interactions reader: ids, positives, duplicates, order, and one-line errors naming file, line and column.</summary>
public sealed class InteractionsReaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string text)
    {
        var path = _dir.File($"r{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ReadsIdsRatingsAndPositives()
    {
        var data = InteractionsReader.Read(Write("userId,movieId,rating,timestamp,title\na,10,5,3,x\na,11,2,4,y\nb,10,4.0,1,z\n"));
        Assert.Equal(["a", "b"], data.UserIds);
        Assert.Equal(["10", "11"], data.ItemIds);
        Assert.Equal([0, 0, 1], data.Users);
        Assert.Equal([0, 1, 0], data.Items);
        Assert.Equal([true, false, true], data.Positive);
        Assert.Equal([3.0, 4.0, 1.0], data.Times!);
        Assert.Equal(2, data.PositiveCount);
    }

    [Fact]
    public void DuplicatesKeepTheLatestRowAndAreCounted()
    {
        var data = InteractionsReader.Read(Write("userId,movieId,rating,timestamp\na,1,5,10\na,1,2,20\na,1,5,15\na,2,4,1\n"));
        Assert.Equal(2, data.DuplicateRows);
        Assert.Equal(2, data.Count);
        Assert.Equal(2.0, data.Ratings[0]);
        Assert.False(data.Positive[0]);
        // a,1 at 15 came after a,1 at 20 (same user): out of order; a,2 at 1 too.
        Assert.Equal(2, data.OutOfOrderRows);
    }

    [Fact]
    public void WithoutARatingColumnEveryRowIsPositiveAndWithoutTimesThereAreNone()
    {
        var data = InteractionsReader.Read(Write("user,item\nu,i\nu,j\n"), new InteractionsOptions { UserColumn = "user", ItemColumn = "item" });
        Assert.All(data.Positive, Assert.True);
        Assert.Null(data.Times);
    }

    [Fact]
    public void NonNumericRatingNamesFileLineAndColumn()
    {
        var path = Write("userId,movieId,rating,timestamp\na,1,5,1\na,2,good,2\n");
        var e = Assert.Throws<DataFormatException>(() => InteractionsReader.Read(path));
        Assert.Equal(3, e.Record);
        Assert.Contains(path, e.Message);
        Assert.Contains("non-numeric rating 'good' in column 'rating' (column 3)", e.Message);
    }

    [Theory]
    [InlineData("userId,movieId,rating,timestamp\na,1,5,yesterday\n", "non-numeric timestamp 'yesterday'")]
    [InlineData("user,movieId,rating\na,1,5\n", "no column 'userId'")]
    [InlineData("userId,movieId,rating\n,1,5\n", "empty id in column 'userId'")]
    [InlineData("userId,movieId,rating\na,1\n", "ragged row")]
    [InlineData("userId,movieId,rating\n", "no interactions")]
    [InlineData("", "empty file")]
    public void BadFilesAreOneLineErrors(string text, string expected)
    {
        var e = Assert.Throws<DataFormatException>(() => InteractionsReader.Read(Write(text)));
        Assert.Contains(expected, e.Message);
    }
}
