using TripletSharp.Data;
using static TripletSharp.Tests.Data.DataTestFiles;

namespace TripletSharp.Tests.Data;

public class DatasetLoaderTests
{
    [Fact]
    public void BundledSampleIsTheDefault()
    {
        var path = BundledData.DefaultPath;
        Assert.True(File.Exists(Path.Combine(path, "LICENSE")));
        using var split = DatasetLoader.Load(new DataOptions());
        Assert.Equal(Path.GetFullPath(path), Path.GetFullPath(split.Source));
        Assert.Equal(DataFormat.Idx, split.Format);
        Assert.Equal(new long[] { 10_000, 1, 28, 28 }, split.Train.Features.shape);
        Assert.Equal(new long[] { 2_000, 1, 28, 28 }, split.Test.Features.shape);
        Assert.Equal(FashionMnist.ClassNames, split.Train.ClassNames);
        for (long c = 0; c < 10; c++)
        {
            Assert.Equal(1000, split.Train.Labels.Count(l => l == c));
            Assert.Equal(200, split.Test.Labels.Count(l => l == c));
        }
        Assert.Equal(0f, split.Train.Features.min().item<float>());
        Assert.Equal(1f, split.Train.Features.max().item<float>());
        Assert.Equal("train/0", split.Train.ItemNames![0]);
        Assert.Equal("t10k/1999", split.Test.ItemNames![1999]);
    }

    [Fact]
    public void SlicesAreClassBalancedSeededAndDeterministic()
    {
        var options = new DataOptions { MaxTrainItems = 105, MaxTestItems = 20, Seed = 3 };
        using var a = DatasetLoader.Load(options);
        using var b = DatasetLoader.Load(options);
        Assert.Equal(105, a.Train.Count);
        Assert.Equal(20, a.Test.Count);
        Assert.Equal(a.Train.ItemNames, b.Train.ItemNames);
        Assert.Equal(a.Test.ItemNames, b.Test.ItemNames);
        var perClass = Enumerable.Range(0, 10).Select(c => a.Train.Labels.Count(l => l == c)).ToArray();
        Assert.Equal(105, perClass.Sum());
        Assert.True(perClass.Max() - perClass.Min() <= 1);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(2, a.Test.Labels.Count(l => l == c)));
        using var other = DatasetLoader.Load(options with { Seed = 4 });
        Assert.NotEqual(a.Train.ItemNames, other.Train.ItemNames);
    }

    [Fact]
    public void LoadAllConcatenatesTrainThenTestAndLoadTestReadsTheTestPart()
    {
        using var all = DatasetLoader.LoadAll(new DataOptions());
        Assert.Equal(12_000, all.Count);
        Assert.Equal("train/0", all.ItemNames![0]);
        Assert.Equal("t10k/0", all.ItemNames![10_000]);
        using var test = DatasetLoader.LoadTest(new DataOptions { MaxTestItems = 30 });
        Assert.Equal(30, test.Count);
        Assert.All(test.ItemNames!, n => Assert.StartsWith("t10k/", n));
        using var some = DatasetLoader.LoadAll(new DataOptions { MaxItems = 50 });
        Assert.Equal(50, some.Count);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(5, some.Labels.Count(l => l == c)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdxFolderUsesItsOwnSplitAndClassesFile(bool gzip)
    {
        using var tmp = new TempDir();
        var folder = tmp.Dir("digits");
        var (trp, trl, tep, tel) = WriteIdxFolder(folder, 12, 5, 3, 2, classes: 3, seed: 1, gzip);
        using (var split = DatasetLoader.Load(new DataOptions { Path = folder }))
        {
            Assert.Equal(new[] { "0", "1", "2" }, split.Train.ClassNames);
            Assert.Equal(trl.Select(l => (long)l), split.Train.Labels);
            Assert.Equal(tel.Select(l => (long)l), split.Test.Labels);
            Assert.Equal(trp.Select(p => p / 255f), split.Train.Features.data<float>().ToArray());
            Assert.Equal(tep.Select(p => p / 255f), split.Test.Features.data<float>().ToArray());
        }
        File.WriteAllLines(Path.Combine(folder, "classes.txt"), new[] { "zero", "one", "two", "three" });
        using (var split = DatasetLoader.Load(new DataOptions { Path = folder, Format = DataFormat.Idx }))
            Assert.Equal(new[] { "zero", "one", "two", "three" }, split.Test.ClassNames);
        File.WriteAllLines(Path.Combine(folder, "classes.txt"), new[] { "zero", "one" });
        AssertDataError(() => DatasetLoader.Load(new DataOptions { Path = folder }), Path.Combine(folder, gzip ? "train-labels-idx1-ubyte.gz" : "train-labels-idx1-ubyte"), 3, "record");
    }

    [Fact]
    public void FashionNamedFolderGetsFashionClassNames()
    {
        using var tmp = new TempDir();
        var folder = tmp.Dir("My-Fashion-MNIST");
        WriteIdxFolder(folder, 20, 10, 2, 2, classes: 10, seed: 2, gzip: true);
        using var split = DatasetLoader.Load(new DataOptions { Path = folder });
        Assert.Equal(FashionMnist.ClassNames, split.Train.ClassNames);
    }

    [Fact]
    public void IdxImageAndLabelCountMismatchThroughTheLoader()
    {
        using var tmp = new TempDir();
        WriteIdxFolder(tmp.Path, 6, 4, 2, 2, classes: 2, seed: 3, gzip: false);
        var labels = tmp.File("t10k-labels-idx1-ubyte");
        File.WriteAllBytes(labels, IdxLabelsBytes(new byte[] { 0, 1, 0 }));
        var e = AssertDataError(() => DatasetLoader.Load(new DataOptions { Path = tmp.Path }), labels);
        Assert.Contains("3 labels", e.Message);
        Assert.Contains("4 images", e.Message);
    }

    [Fact]
    public void MissingIdxFileIsNamed()
    {
        using var tmp = new TempDir();
        WriteIdxFolder(tmp.Path, 6, 4, 2, 2, classes: 2, seed: 4, gzip: true);
        File.Delete(tmp.File("t10k-labels-idx1-ubyte.gz"));
        var e = AssertDataError(() => DatasetLoader.Load(new DataOptions { Path = tmp.Path }), tmp.Path);
        Assert.Contains("t10k-labels-idx1-ubyte", e.Message);
        // A half-present part is an error for the whole-data reader too; a part absent altogether is skipped.
        AssertDataError(() => DatasetLoader.LoadAll(new DataOptions { Path = tmp.Path }), tmp.Path);
        File.Delete(tmp.File("t10k-images-idx3-ubyte.gz"));
        using var all = DatasetLoader.LoadAll(new DataOptions { Path = tmp.Path });
        Assert.Equal(6, all.Count);
    }

    [Fact]
    public void CsvWithoutSplitIsSplitStratifiedAndSeeded()
    {
        using var tmp = new TempDir();
        var path = tmp.File("v.csv");
        var rng = new Random(5);
        File.WriteAllLines(path, new[] { "f,g,label" }.Concat(Enumerable.Range(0, 60).Select(i => $"{i},{rng.Next(100)},{"abc"[i % 3]}")));
        var options = new DataOptions { Path = path, TestFraction = 0.25, Seed = 1 };
        using var a = DatasetLoader.Load(options);
        using var b = DatasetLoader.Load(options);
        Assert.Equal(DataFormat.Csv, a.Format);
        Assert.Equal(45, a.Train.Count);
        Assert.Equal(15, a.Test.Count);
        Assert.All(new long[] { 0, 1, 2 }, c => Assert.Equal(5, a.Test.Labels.Count(l => l == c)));
        Assert.Equal(a.Test.ItemNames, b.Test.ItemNames);
        // Train and test are disjoint and cover every row.
        Assert.Equal(60, a.Train.ItemNames!.Concat(a.Test.ItemNames!).Distinct().Count());
        using var test = DatasetLoader.LoadTest(options);
        Assert.Equal(a.Test.ItemNames, test.ItemNames);
        using var all = DatasetLoader.LoadAll(options);
        Assert.Equal(60, all.Count);
    }

    [Fact]
    public void OneClassCsvIsRejectedForTraining()
    {
        using var tmp = new TempDir();
        var path = tmp.File("one.csv");
        File.WriteAllText(path, "label,x\ncat,1\ncat,2\ncat,3\n");
        var e = AssertDataError(() => DatasetLoader.Load(new DataOptions { Path = path }), path);
        Assert.Contains("only one class ('cat')", e.Message);
    }

    [Fact]
    public void FormatDetectionAndPathErrors()
    {
        using var tmp = new TempDir();
        var csv = tmp.File("x.txt");
        File.WriteAllText(csv, "label,a\n0,1\n");
        Assert.Equal(DataFormat.Csv, DatasetLoader.DetectFormat(csv));
        Assert.Equal(DataFormat.Folder, DatasetLoader.DetectFormat(tmp.Path));
        var idx = tmp.Dir("idx");
        File.WriteAllBytes(Path.Combine(idx, "t10k-images-idx3-ubyte.gz"), new byte[] { 1 });
        Assert.Equal(DataFormat.Idx, DatasetLoader.DetectFormat(idx));
        AssertDataError(() => DatasetLoader.DetectFormat(Path.Combine(idx, "t10k-images-idx3-ubyte.gz")), Path.Combine(idx, "t10k-images-idx3-ubyte.gz"));
        var missing = tmp.File("nope");
        AssertDataError(() => DatasetLoader.Load(new DataOptions { Path = missing }), missing);
        AssertDataError(() => DatasetLoader.Load(new DataOptions { Path = csv, Format = DataFormat.Idx }), csv);
        AssertDataError(() => DatasetLoader.Load(new DataOptions { Path = tmp.Path, Format = DataFormat.Csv }), tmp.Path);
        AssertDataError(() => DatasetLoader.Load(new DataOptions { Path = tmp.Path, Format = DataFormat.Idx }), tmp.Path);
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetLoader.Load(new DataOptions { TestFraction = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetLoader.Load(new DataOptions { MaxTrainItems = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetLoader.Load(new DataOptions { ImageSize = 0 }));
    }
}
