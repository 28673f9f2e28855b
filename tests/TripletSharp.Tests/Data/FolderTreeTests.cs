using System.Diagnostics;
using SkiaSharp;
using TripletSharp.Data;
using static TripletSharp.Tests.Data.DataTestFiles;

namespace TripletSharp.Tests.Data;

/// <summary>Image folder trees a new user may have: directory links and loops, special files, the tool's own outputs, per-class shortages and ambiguous train/test layouts.</summary>
public class FolderTreeTests
{
    private static void Image(TempDir tmp, string cls, string name, int seed) =>
        File.WriteAllBytes(tmp.File(tmp.Dir(cls.Split('/')), name), Png(4, 4, (x, y) => new SKColor((byte)(x * 40 + seed), (byte)(y * 40), (byte)seed)));

    private static TempDir TwoClasses(int perClass = 4)
    {
        var tmp = new TempDir();
        for (int i = 0; i < perClass; i++)
        {
            Image(tmp, "c0", $"a{i}.png", i);
            Image(tmp, "c1", $"b{i}.png", 100 + i);
        }
        return tmp;
    }

    private static Dataset LoadAll(string path, List<string> notices) =>
        DatasetLoader.LoadAll(new DataOptions { Path = path, ImageSize = 4, Notice = notices.Add });

    [Fact]
    public void DirectoryLinksAndLoopsAreNotFollowed_EachImageReadOnce_AndSaid()
    {
        using var tmp = TwoClasses();
        Directory.CreateSymbolicLink(tmp.File("c0", "self"), ".");
        Directory.CreateSymbolicLink(tmp.File("c0", "up"), "../..");
        Directory.CreateSymbolicLink(tmp.File("c1", "back"), "..");
        Directory.CreateSymbolicLink(tmp.File("c2"), tmp.File("c0"));
        var notices = new List<string>();
        var watch = Stopwatch.StartNew();
        using var all = LoadAll(tmp.Path, notices);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20));
        Assert.Equal(8, all.Count);
        Assert.Equal(new[] { "c0", "c1" }, all.ClassNames);
        Assert.Equal(all.ItemNames!.Count, all.ItemNames!.Distinct().Count());
        Assert.Equal(4, notices.Count);
        Assert.All(notices, n => Assert.Contains("directory link", n));
        Assert.Contains(notices, n => n.Contains("self") && n.Contains("not followed"));
    }

    [Fact]
    public void AFileLinkToARegularImageIsRead()
    {
        using var tmp = TwoClasses();
        File.CreateSymbolicLink(tmp.File("c1", "linked.png"), tmp.File("c0", "a0.png"));
        using var all = LoadAll(tmp.Path, []);
        Assert.Equal(9, all.Count);
    }

    [Fact]
    public void ALinkToDevZeroIsRefusedNamingTheFile_WithoutReadingIt()
    {
        if (!File.Exists("/dev/zero")) return;
        using var tmp = TwoClasses();
        var link = tmp.File("c1", "zero.png");
        File.CreateSymbolicLink(link, "/dev/zero");
        var e = AssertDataError(() => LoadAll(tmp.Path, []).Dispose(), link);
        Assert.Contains("not a regular file", e.Message);
    }

    [Fact]
    public async Task AFifoNamedLikeAnImageIsRefusedWithoutHanging()
    {
        if (OperatingSystem.IsWindows()) return;
        using var tmp = TwoClasses();
        var fifo = tmp.File("c0", "pipe.png");
        using (var p = Process.Start(new ProcessStartInfo("mkfifo", fifo) { UseShellExecute = false })!) p.WaitForExit();
        if (!File.Exists(fifo)) return;
        var task = Task.Run(() => LoadAll(tmp.Path, []).Dispose());
        var first = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(first == task, "the reader hung on a FIFO");
        var e = await Assert.ThrowsAsync<DataFormatException>(() => task);
        Assert.Contains(fifo, e.Message);
        Assert.Contains("not a regular file", e.Message);
    }

    [Fact]
    public void AnImageFileLargerThanTheCapIsRefusedNamingIt()
    {
        using var tmp = TwoClasses();
        var big = tmp.File("c0", "big.png");
        using (var f = File.Create(big)) f.SetLength(ImageFolderReader.MaxImageBytes + 1);
        var e = AssertDataError(() => LoadAll(tmp.Path, []).Dispose(), big);
        Assert.Contains("larger than", e.Message);
    }

    [Fact]
    public void TheToolsOwnOutputsAreNotReadAsData()
    {
        using var tmp = TwoClasses();
        // A run folder under runs/, a projector folder with a sprite, a model folder inside a class folder.
        var run = tmp.Dir("runs", "20250101-000000");
        File.WriteAllText(Path.Combine(run, "config.json"), "{}");
        Directory.CreateDirectory(Path.Combine(run, "checkpoint"));
        Image(tmp, "runs/20250101-000000/model", "x.png", 1);
        Image(tmp, "proj", "sprite.png", 2);
        File.WriteAllText(tmp.File("proj", "projector_config.pbtxt"), "");
        Image(tmp, "c1/model", "weights.png", 3);
        File.WriteAllText(tmp.File("c1", "model", "model.json"), "{}");
        var notices = new List<string>();
        using var all = LoadAll(tmp.Path, notices);
        Assert.Equal(new[] { "c0", "c1" }, all.ClassNames);
        Assert.Equal(8, all.Count);
        Assert.Equal(3, notices.Count);
        Assert.All(notices, n => Assert.Contains("the tool's own output", n));
        Assert.True(ImageFolderReader.IsToolOutput(tmp.File("runs")));
        Assert.False(ImageFolderReader.IsToolOutput(tmp.File("c0")));
    }

    [Fact]
    public void TooFewItemsPerClassSaysSoPerClass()
    {
        using var tmp = new TempDir();
        for (int c = 0; c < 5; c++) Image(tmp, $"k{c}", "only.png", c);
        for (int c = 5; c < 10; c++) { Image(tmp, $"k{c}", "a.png", c); Image(tmp, $"k{c}", "b.png", c + 50); }
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(new DataOptions { Path = tmp.Path, ImageSize = 4 }).Dispose());
        Assert.Contains("each of the 10 classes has 1–2 items", e.Message);
        Assert.Contains("a class needs at least 3 items", e.Message);
    }

    [Fact]
    public void ATestSplitWithoutAnySameClassPairIsRefusedBeforeTraining()
    {
        using var tmp = new TempDir();
        for (int c = 0; c < 4; c++)
            for (int i = 0; i < 10; i++) Image(tmp, $"k{c}", $"{i}.png", c * 10 + i);
        var options = new DataOptions { Path = tmp.Path, ImageSize = 4, MaxTestItems = 4 };
        using var split = DatasetLoader.Load(options);
        var trainer = new TripletSharp.Training.Trainer(new TripletSharp.Training.TrainerOptions { Epochs = 1 });
        var e = Assert.Throws<DataFormatException>(() => trainer.Fit(split, options));
        Assert.Contains("no class has 2 or more", e.Message);
        Assert.Contains("raise MaxTestItems (now 4) to at least 8", e.Message);
        Assert.Throws<DataFormatException>(() => trainer.Resolve(split));
        using var ok = DatasetLoader.Load(new DataOptions { Path = tmp.Path, ImageSize = 4, MaxTestItems = 8 });
        Assert.Equal(8, ok.Test.Count);
    }

    [Fact]
    public void AClassFolderBesideTrainAndTestIsAnAmbiguousLayout()
    {
        using var tmp = new TempDir();
        foreach (var part in new[] { "train", "test" })
            for (int c = 0; c < 2; c++)
                for (int i = 0; i < 3; i++) Image(tmp, $"{part}/k{c}", $"{i}.png", c * 10 + i);
        Image(tmp, "stray", "x.png", 1);
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(new DataOptions { Path = tmp.Path, ImageSize = 4 }).Dispose());
        Assert.Contains("ambiguous layout", e.Message);
        Assert.Contains("'stray'", e.Message);
        Assert.Throws<DataFormatException>(() => DatasetLoader.LoadAll(new DataOptions { Path = tmp.Path, ImageSize = 4 }).Dispose());
    }

    [Fact]
    public void AClassNamedTestBesideOtherClassesIsRefusedWithTheFix()
    {
        using var tmp = TwoClasses();
        for (int i = 0; i < 3; i++) Image(tmp, "test", $"{i}.png", i);
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(new DataOptions { Path = tmp.Path, ImageSize = 4 }).Dispose());
        Assert.Contains("rename the class folder 'test'", e.Message);
    }
}
