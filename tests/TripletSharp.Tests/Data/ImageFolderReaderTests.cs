using SkiaSharp;
using TripletSharp.Data;
using static TripletSharp.Tests.Data.DataTestFiles;

namespace TripletSharp.Tests.Data;

public class ImageFolderReaderTests
{
    private static SKColor Pattern(int x, int y, int seed) =>
        new((byte)((x * 37 + y * 11 + seed * 53) % 256), (byte)((x * 5 + y * 71 + seed) % 256), (byte)((x * 101 + y * 3 + seed * 7) % 256));

    [Fact]
    public void PngAndBmpAtTheTargetSizeAreReadExactly_GreyAndColour()
    {
        using var tmp = new TempDir();
        const int size = 6;
        File.WriteAllBytes(tmp.File(tmp.Dir("cat"), "a.png"), Png(size, size, (x, y) => Pattern(x, y, 1)));
        File.WriteAllBytes(tmp.File(tmp.Dir("cat"), "b.bmp"), Bmp(size, size, (x, y) => Pattern(x, y, 2)));
        File.WriteAllBytes(tmp.File(tmp.Dir("dog"), "c.PNG"), Png(size, size, (x, y) => Pattern(x, y, 3)));
        File.WriteAllText(tmp.File("dog", "notes.txt"), "ignored");
        File.WriteAllBytes(tmp.File("dog", ".hidden.png"), Array.Empty<byte>());

        using var grey = ImageFolderReader.Read(tmp.Path, size, grayscale: true);
        Assert.Equal(new long[] { 3, 1, size, size }, grey.Features.shape);
        Assert.Equal(new[] { "cat", "dog" }, grey.ClassNames);
        Assert.Equal(new long[] { 0, 0, 1 }, grey.Labels);
        Assert.Equal(new[] { "cat/a.png", "cat/b.bmp", "dog/c.PNG" }, grey.ItemNames);
        var g = grey.Features.data<float>().ToArray();
        for (int item = 0; item < 3; item++)
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
            Assert.Equal(Luma(Pattern(x, y, item + 1)), g[item * size * size + y * size + x], 5);

        using var colour = ImageFolderReader.Read(tmp.Path, size, grayscale: false);
        Assert.Equal(new long[] { 3, 3, size, size }, colour.Features.shape);
        var c = colour.Features.data<float>().ToArray();
        int plane = size * size;
        for (int item = 0; item < 3; item++)
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            var p = Pattern(x, y, item + 1);
            int at = item * 3 * plane + y * size + x;
            Assert.Equal(p.Red / 255f, c[at]);
            Assert.Equal(p.Green / 255f, c[at + plane]);
            Assert.Equal(p.Blue / 255f, c[at + 2 * plane]);
        }
    }

    [Fact]
    public void ImagesAreResizedToTheTargetSize()
    {
        using var tmp = new TempDir();
        var red = new SKColor(200, 10, 10);
        var blue = new SKColor(10, 10, 200);
        // Left half red, right half blue, 16×8 → 4×4: the outer columns keep their colour.
        File.WriteAllBytes(tmp.File(tmp.Dir("a"), "x.png"), Png(16, 8, (x, _) => x < 8 ? red : blue));
        File.WriteAllBytes(tmp.File(tmp.Dir("b"), "y.jpg"), Jpeg(10, 10, (_, _) => new SKColor(90, 160, 30)));
        using var ds = ImageFolderReader.Read(tmp.Path, 4, grayscale: false);
        Assert.Equal(new long[] { 2, 3, 4, 4 }, ds.Features.shape);
        var v = ds.Features.data<float>().ToArray();
        for (int y = 0; y < 4; y++)
        {
            Assert.Equal(200 / 255f, v[y * 4 + 0], 2);
            Assert.Equal(10 / 255f, v[2 * 16 + y * 4 + 0], 2);
            Assert.Equal(10 / 255f, v[y * 4 + 3], 2);
            Assert.Equal(200 / 255f, v[2 * 16 + y * 4 + 3], 2);
        }
        // JPEG is lossy: a flat colour comes back within a few levels.
        for (int i = 0; i < 16; i++)
        {
            Assert.InRange(v[48 + i], 80 / 255f, 100 / 255f);
            Assert.InRange(v[48 + 16 + i], 150 / 255f, 170 / 255f);
            Assert.InRange(v[48 + 32 + i], 20 / 255f, 40 / 255f);
        }
    }

    [Fact]
    public void CorruptPngNamesTheFile()
    {
        using var tmp = new TempDir();
        WriteTwoGoodClasses(tmp);
        var bad = tmp.File("b", "bad.png");
        File.WriteAllBytes(bad, "not an image at all, just text"u8.ToArray());
        AssertDataError(() => ImageFolderReader.Read(tmp.Path, 4), bad);
    }

    [Fact]
    public void TruncatedPngNamesTheFile()
    {
        using var tmp = new TempDir();
        WriteTwoGoodClasses(tmp);
        var png = Png(32, 32, (x, y) => Pattern(x, y, 4));
        var bad = tmp.File("a", "cut.png");
        File.WriteAllBytes(bad, png[..(png.Length * 2 / 3)]);
        var e = AssertDataError(() => ImageFolderReader.Read(tmp.Path, 4), bad);
        Assert.Contains("corrupt or truncated", e.Message);
    }

    [Fact]
    public void CorruptJpegNamesTheFile()
    {
        using var tmp = new TempDir();
        WriteTwoGoodClasses(tmp);
        var jpg = Jpeg(32, 32, (x, y) => Pattern(x, y, 5), 90);
        var bad = tmp.File("b", "cut.jpeg");
        File.WriteAllBytes(bad, jpg[..(jpg.Length / 2)]);
        AssertDataError(() => ImageFolderReader.Read(tmp.Path, 4), bad);
        var garbage = (byte[])jpg.Clone();
        for (int i = 2; i < 40; i++) garbage[i] = 0xFF;
        File.WriteAllBytes(bad, garbage);
        AssertDataError(() => ImageFolderReader.Read(tmp.Path, 4), bad);
    }

    [Fact]
    public void ZeroByteImageNamesTheFile()
    {
        using var tmp = new TempDir();
        WriteTwoGoodClasses(tmp);
        var bad = tmp.File("a", "empty.bmp");
        File.WriteAllBytes(bad, Array.Empty<byte>());
        var e = AssertDataError(() => ImageFolderReader.Read(tmp.Path, 4), bad);
        Assert.Contains("0 bytes", e.Message);
    }

    [Fact]
    public void ClassFolderWithoutImagesNamesTheFolder()
    {
        using var tmp = new TempDir();
        WriteTwoGoodClasses(tmp);
        var empty = tmp.Dir("c");
        File.WriteAllText(Path.Combine(empty, "readme.txt"), "no images");
        var e = AssertDataError(() => ImageFolderReader.Read(tmp.Path, 4), empty);
        Assert.Contains("no images", e.Message);
        e = AssertDataError(() => DatasetLoader.Load(new DataOptions { Path = tmp.Path, ImageSize = 4 }), empty);
    }

    [Fact]
    public void OneClassOnlyIsRejectedForTraining()
    {
        using var tmp = new TempDir();
        for (int i = 0; i < 4; i++) File.WriteAllBytes(tmp.File(tmp.Dir("only"), $"{i}.png"), Png(4, 4, (x, y) => Pattern(x, y, i)));
        var e = AssertDataError(() => DatasetLoader.Load(new DataOptions { Path = tmp.Path, ImageSize = 4 }), tmp.Path);
        Assert.Contains("only one class", e.Message);
        Assert.Contains("'only'", e.Message);
        // Reading the whole folder (embed/search) accepts one class.
        using var all = DatasetLoader.LoadAll(new DataOptions { Path = tmp.Path, ImageSize = 4 });
        Assert.Equal(4, all.Count);
    }

    [Fact]
    public void OneClassInTheTrainTreeIsRejected()
    {
        using var tmp = new TempDir();
        File.WriteAllBytes(tmp.File(tmp.Dir("train", "a"), "0.png"), Png(4, 4, (x, y) => Pattern(x, y, 0)));
        File.WriteAllBytes(tmp.File(tmp.Dir("test", "a"), "0.png"), Png(4, 4, (x, y) => Pattern(x, y, 1)));
        File.WriteAllBytes(tmp.File(tmp.Dir("test", "b"), "0.png"), Png(4, 4, (x, y) => Pattern(x, y, 2)));
        AssertDataError(() => DatasetLoader.Load(new DataOptions { Path = tmp.Path, ImageSize = 4 }), tmp.File("train"));
    }

    [Fact]
    public void ClassWithASingleImageIsLoaded()
    {
        using var tmp = new TempDir();
        for (int i = 0; i < 5; i++) File.WriteAllBytes(tmp.File(tmp.Dir("many"), $"{i}.png"), Png(4, 4, (x, y) => Pattern(x, y, i)));
        File.WriteAllBytes(tmp.File(tmp.Dir("single"), "0.png"), Png(4, 4, (x, y) => Pattern(x, y, 9)));
        using var split = DatasetLoader.Load(new DataOptions { Path = tmp.Path, ImageSize = 4, TestFraction = 0.4 });
        Assert.Equal(DataFormat.Folder, split.Format);
        // The lone image stays on the training side; 2 of the 5 others are held out.
        Assert.Equal(4, split.Train.Count);
        Assert.Contains(1L, split.Train.Labels);
        Assert.Equal(new long[] { 0, 0 }, split.Test.Labels);
    }

    [Fact]
    public void TrainAndTestSubTreesShareOneClassList()
    {
        using var tmp = new TempDir();
        File.WriteAllBytes(tmp.File(tmp.Dir("train", "ant"), "0.png"), Png(4, 4, (x, y) => Pattern(x, y, 0)));
        File.WriteAllBytes(tmp.File(tmp.Dir("train", "cow"), "0.png"), Png(4, 4, (x, y) => Pattern(x, y, 1)));
        File.WriteAllBytes(tmp.File(tmp.Dir("test", "bee"), "0.png"), Png(4, 4, (x, y) => Pattern(x, y, 2)));
        File.WriteAllBytes(tmp.File(tmp.Dir("test", "cow"), "1.png"), Png(4, 4, (x, y) => Pattern(x, y, 3)));
        File.WriteAllBytes(tmp.File(tmp.Dir("test", "cow"), "2.png"), Png(4, 4, (x, y) => Pattern(x, y, 4)));
        var options = new DataOptions { Path = tmp.Path, ImageSize = 4 };
        using var split = DatasetLoader.Load(options);
        Assert.Equal(new[] { "ant", "bee", "cow" }, split.Train.ClassNames);
        Assert.Equal(new long[] { 0, 2 }, split.Train.Labels);
        Assert.Equal(new long[] { 1, 2, 2 }, split.Test.Labels);
        Assert.Equal(new[] { "test/bee/0.png", "test/cow/1.png", "test/cow/2.png" }, split.Test.ItemNames);
        using var test = DatasetLoader.LoadTest(options);
        Assert.Equal(split.Test.Labels, test.Labels);
        Assert.Equal(split.Test.ClassNames, test.ClassNames);
        Assert.Equal(split.Test.Features.data<float>().ToArray(), test.Features.data<float>().ToArray());
        using var all = DatasetLoader.LoadAll(options);
        Assert.Equal(new long[] { 0, 2, 1, 2, 2 }, all.Labels);
    }

    [Fact]
    public void LooseImagesWithoutClassFoldersAreExplained()
    {
        using var tmp = new TempDir();
        File.WriteAllBytes(tmp.File("x.png"), Png(4, 4, (x, y) => Pattern(x, y, 0)));
        var e = AssertDataError(() => ImageFolderReader.Read(tmp.Path, 4), tmp.Path);
        Assert.Contains("one sub-folder per class", e.Message);
    }

    private static void WriteTwoGoodClasses(TempDir tmp)
    {
        File.WriteAllBytes(tmp.File(tmp.Dir("a"), "0.png"), Png(5, 5, (x, y) => Pattern(x, y, 0)));
        File.WriteAllBytes(tmp.File(tmp.Dir("b"), "0.bmp"), Bmp(5, 5, (x, y) => Pattern(x, y, 1)));
    }
}
