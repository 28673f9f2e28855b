using TripletSharp.Data;
using TripletSharp.Tests.Data;

namespace TripletSharp.Tests.Tuples;

/// <summary>Reading triplets and pairs files against item names: ids, record ids, and every bad input named by file and line.</summary>
public class TuplesFileTests
{
    private static readonly string[] Names = ["train/0", "train/1", "train/2", "train/3", "shirt/a.png", "shoe/b.png"];

    private static string Write(TempDir dir, string text)
    {
        var path = dir.File("tuples.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Triplets_ResolveNamesAndRecordIds()
    {
        using var dir = new TempDir();
        var set = TuplesFile.Read(Write(dir, "anchor,positive,negative\n# comment\n0,train/1,shirt/a.png\n\n\"shoe/b.png\",./shirt/a.png,3\n"), Names);
        Assert.Equal(TupleKind.Triplets, set.Kind);
        Assert.Equal([0, 5], set.First);
        Assert.Equal([1, 4], set.Second);
        Assert.Equal([4, 3], set.Third);
        Assert.Equal([3L, 5L], set.Lines);
    }

    [Fact]
    public void Pairs_AreReadByThePairsParser_HeaderOptional()
    {
        using var dir = new TempDir();
        var set = TuplesFile.Read(Write(dir, "0,1,1\n2,shoe/b.png,no\ntrain/3,0,TRUE\n"), Names);
        Assert.Equal(TupleKind.Pairs, set.Kind);
        Assert.Equal([0, 2, 3], set.First);
        Assert.Equal([1, 5, 0], set.Second);
        Assert.Equal([1, 0, 1], set.Third);
        Assert.Equal([1L, 2L, 3L], set.Lines);
    }

    [Fact]
    public void CsvRecordIds_AreZeroBasedDataRows_BlankLinesNotCounted()
    {
        using var dir = new TempDir();
        var csv = dir.File("f.csv");
        File.WriteAllText(csv, "x,label\n1,a\n\n2,b\n3,a\n");
        // Item names as CsvDatasetReader gives them: file:line (lines 2, 4, 5); the split may reorder them.
        var names = new[] { "f.csv:5", "f.csv:2", "f.csv:4" };
        var set = TuplesFile.Read(Write(dir, "anchor,positive,negative\n0,2,1\n"), names, csv);
        Assert.Equal([1], set.First);
        Assert.Equal([0], set.Second);
        Assert.Equal([2], set.Third);
    }

    [Theory]
    [InlineData("anchor,positive,negative\n0,1,2\n0,nowhere.png,2\n", 3, "'nowhere.png' names no item")]
    [InlineData("anchor,positive,negative\n0,1,2\n0,2,2\n", 3, "positive is also the negative")]
    [InlineData("anchor,positive,negative\n2,1,2\n", 2, "anchor is its own negative")]
    [InlineData("a,b,same\n0,1,1\n3,train/3,0\n", 3, "anchor is its own negative")]
    [InlineData("a,b,same\n0,1,1\n0,1,maybe\n", 3, "'same' must be 1/0")]
    [InlineData("a,b,same\n0,99,1\n", 2, "'99' names no item")]
    [InlineData("a,b,same\n0,1,1\n2,3,0\n1,0,0\n", 4, "called not the same here but the same on line 2")]
    [InlineData("anchor,positive,negative\n0,1\n", 2, "expected 3 comma-separated fields")]
    public void BadLines_NameFileAndLine(string text, long line, string problem)
    {
        using var dir = new TempDir();
        var path = Write(dir, text);
        var e = Assert.Throws<DataFormatException>(() => TuplesFile.Read(path, Names));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(line, e.Record);
        Assert.Contains(problem, e.Message);
    }

    [Theory]
    [InlineData("", "empty file")]
    [InlineData("\n# only a comment\n", "empty file")]
    [InlineData("anchor,positive,negative\n", "holds no triplets")]
    [InlineData("a,b,same\n", "holds no pairs")]
    public void EmptyFiles_AreRefused(string text, string problem)
    {
        using var dir = new TempDir();
        var path = Write(dir, text);
        var e = Assert.Throws<DataFormatException>(() => TuplesFile.Read(path, Names));
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void AFileWhoseOnlyLineIsABadPair_SaysSoAndNamesTheLine_NotJustNoPairs()
    {
        // Issue 15 item 21, kept by reusing PairsFile: 'x' is taken for a header, and the message says why.
        using var dir = new TempDir();
        var path = Write(dir, "0,1,x\n");
        var e = Assert.Throws<DataFormatException>(() => TuplesFile.Read(path, Names));
        Assert.Equal(1L, e.Record);
        Assert.Contains("'same' must be 1/0", e.Message);
    }

    [Fact]
    public void MissingFile_IsFileNotFound()
    {
        using var dir = new TempDir();
        Assert.Throws<FileNotFoundException>(() => TuplesFile.Read(dir.File("none.csv"), Names));
    }
}
