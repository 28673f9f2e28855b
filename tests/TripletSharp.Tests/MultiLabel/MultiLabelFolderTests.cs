using SkiaSharp;
using TripletSharp.Data;
using TripletSharp.Tests.Data;
using TripletSharp.Tests.Models;

namespace TripletSharp.Tests.MultiLabel;

/// <summary>The opt-in rule for multi-label image folders: the same file (path below the class folder and pixels) in several class folders is one item.</summary>
public class MultiLabelFolderTests
{
    private static void Write(string path, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, DataTestFiles.Png(6, 6, (x, y) => new SKColor((byte)(seed * 37 + x * 11), (byte)(y * 13 + seed), (byte)(seed * 5))));
    }

    [Fact]
    public void CopiesInSeveralClassFoldersBecomeOneItemOnlyWhenAskedAndOnlyWhenThePixelsAgree()
    {
        using var dir = new TestFolder("ts-ml-folders");
        var root = dir["photos"];
        for (int i = 0; i < 6; i++)
        {
            Write(Path.Combine(root, "shoes", $"s{i}.png"), 100 + i);
            Write(Path.Combine(root, "summer", $"u{i}.png"), 200 + i);
            Write(Path.Combine(root, "tops", $"t{i}.png"), 300 + i);
        }
        Write(Path.Combine(root, "summer", "sub", "same.png"), 1); // the same image under two labels: one item
        Write(Path.Combine(root, "tops", "sub", "same.png"), 1);
        Write(Path.Combine(root, "summer", "other.png"), 2); // the same name, other pixels: two items
        Write(Path.Combine(root, "tops", "other.png"), 3);

        var plain = DatasetLoader.Load(new DataOptions { Path = root, TestFraction = 0.3 });
        int plainCount = plain.Train.Count + plain.Test.Count;
        Assert.Null(plain.Train.LabelSets);
        plain.Train.Dispose();
        plain.Test.Dispose();
        Assert.Equal(22, plainCount);

        var merged = DatasetLoader.Load(new DataOptions { Path = root, TestFraction = 0.3, MultiLabelFolders = true });
        using var train = merged.Train;
        using var test = merged.Test;
        Assert.Equal(21, train.Count + test.Count);
        var all = train.ItemNames!.Zip(train.LabelSets!).Concat(test.ItemNames!.Zip(test.LabelSets!)).ToList();
        var same = Assert.Single(all, p => p.First.EndsWith("same.png", StringComparison.Ordinal));
        Assert.Equal("summer/sub/same.png", same.First);
        Assert.Equal(new long[] { 1, 2 }, same.Second); // summer, tops
        Assert.Equal(2, all.Count(p => p.First.EndsWith("other.png", StringComparison.Ordinal)));
        Assert.All(all.Where(p => !p.First.EndsWith("same.png", StringComparison.Ordinal)), p => Assert.Single(p.Second));
        Assert.Equal("sub/same.png", MultiLabelFolders.BelowClass("tops/sub/same.png", "tops"));
        Assert.Equal("x.png", MultiLabelFolders.BelowClass("train/tops/x.png", "tops"));
    }
}
