using TripletSharp.Data;
using TripletSharp.Tests.Data;

namespace TripletSharp.Tests.Index;

public class ClassSubsetTests
{
    [Fact]
    public void Idx_KeepsTheNamedClasses_RenumberedInClassOrder_AndTheSameTestItems()
    {
        using var full = DatasetLoader.Load(new DataOptions());
        using var sub = DatasetLoader.Load(new DataOptions { Classes = ["Bag", "7", "Trouser"] });
        Assert.Equal(new[] { "Trouser", "Sneaker", "Bag" }, sub.Train.ClassNames);
        Assert.Equal(new[] { "Trouser", "Sneaker", "Bag" }, sub.Test.ClassNames);
        var keep = new Dictionary<long, long> { [1] = 0, [7] = 1, [8] = 2 };
        foreach (var (s, f) in new[] { (sub.Train, full.Train), (sub.Test, full.Test) })
        {
            var rows = Enumerable.Range(0, f.Count).Where(i => keep.ContainsKey(f.Labels[i])).ToArray();
            Assert.Equal(rows.Select(i => f.ItemNames![i]), s.ItemNames);
            Assert.Equal(rows.Select(i => keep[f.Labels[i]]), s.Labels);
            Assert.True(s.Features.eq(f.Features.index_select(0, TorchSharp.torch.tensor(rows.Select(i => (long)i).ToArray()))).all().item<bool>());
        }
        using var test = DatasetLoader.LoadTest(new DataOptions { Classes = ["Trouser"] });
        Assert.Equal(new[] { "Trouser" }, test.ClassNames);
        Assert.Equal(200, test.Count);
        using var all = DatasetLoader.LoadAll(new DataOptions { Classes = ["0", "9"] });
        Assert.Equal(new[] { FashionMnist.ClassNames[0], FashionMnist.ClassNames[9] }, all.ClassNames);
        Assert.Equal(2400, all.Count);
    }

    [Fact]
    public void UnknownClasses_AreNamed()
    {
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(new DataOptions { Classes = ["Bag", "Nope", "12"] }));
        Assert.Contains("no class 'Nope', '12' (", e.Message);
        Assert.Contains("8 'Bag'", e.Message);
        Assert.Throws<DataFormatException>(() => DatasetLoader.LoadAll(new DataOptions { Classes = ["x"] }));
        Assert.Throws<ArgumentException>(() => DatasetLoader.Load(new DataOptions { Classes = [] }));
        Assert.Throws<ArgumentException>(() => DatasetLoader.Load(new DataOptions { Classes = ["Bag", "Bag"] }));
        // One class is not enough to train on: the usual error.
        Assert.Contains("only one class", Assert.Throws<DataFormatException>(() => DatasetLoader.Load(new DataOptions { Classes = ["Bag"] })).Message);
    }

    [Fact]
    public void Csv_AndImageFolders_ApplyTheSubsetToo()
    {
        using var dir = new TempDir();
        var csv = dir.File("d.csv");
        var lines = new List<string> { "label,a,b" };
        for (int i = 0; i < 60; i++) lines.Add($"{new[] { "cat", "dog", "fox" }[i % 3]},{i},{i * 2}");
        File.WriteAllLines(csv, lines);
        using var fullCsv = DatasetLoader.Load(new DataOptions { Path = csv, Seed = 1 });
        using var subCsv = DatasetLoader.Load(new DataOptions { Path = csv, Seed = 1, Classes = ["fox", "cat"] });
        var names = fullCsv.Train.ClassNames.ToArray();
        Assert.Equal(names.Where(n => n is "cat" or "fox"), subCsv.Train.ClassNames);
        Assert.Equal(Enumerable.Range(0, fullCsv.Test.Count).Where(i => names[fullCsv.Test.Labels[i]] != "dog").Select(i => fullCsv.Test.ItemNames![i]), subCsv.Test.ItemNames);
        Assert.DoesNotContain(subCsv.Train.ItemNames!, n => fullCsv.Test.ItemNames!.Contains(n));

        var root = dir.Dir("images");
        foreach (var c in new[] { "a", "b", "c" })
        {
            var d = Path.Combine(root, c);
            Directory.CreateDirectory(d);
            for (int i = 0; i < 5; i++) File.WriteAllBytes(Path.Combine(d, $"{i}.png"), DataTestFiles.Png(4, 4, (x, y) => new SkiaSharp.SKColor((byte)(x * 40), (byte)(y * 40), (byte)i)));
        }
        using var img = DatasetLoader.LoadAll(new DataOptions { Path = root, ImageSize = 4, Classes = ["c", "1"] });
        Assert.Equal(new[] { "b", "c" }, img.ClassNames);
        Assert.Equal(10, img.Count);
        Assert.Equal(new long[] { 0, 1 }, img.Labels.Distinct().Order());
    }

    [Fact]
    public void Classes_IsLeftOutOfSavedOptionsWhenNull_AndRoundTripsOtherwise()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(new DataOptions(), TripletSharp.JsonDefaults.Options);
        Assert.DoesNotContain("classes", json);
        var withSubset = System.Text.Json.JsonSerializer.Serialize(new DataOptions { Classes = ["Bag", "3"] }, TripletSharp.JsonDefaults.Options);
        var back = System.Text.Json.JsonSerializer.Deserialize<DataOptions>(withSubset, TripletSharp.JsonDefaults.Options)!;
        Assert.Equal(new[] { "Bag", "3" }, back.Classes);
        var original = new DataOptions { Classes = ["a"] };
        var copy = original.Copy();
        copy.Classes![0] = "b";
        Assert.Equal("a", original.Classes[0]);
    }
}
