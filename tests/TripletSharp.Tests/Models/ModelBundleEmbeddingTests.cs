using SkiaSharp;
using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Tests.Data;
using static TorchSharp.torch;
using static TripletSharp.Tests.Data.DataTestFiles;

namespace TripletSharp.Tests.Models;

/// <summary>ModelBundle.Embed(files): the same numbers as the same images read as a dataset for training.</summary>
public class ModelBundleEmbeddingTests
{
    private static ModelBundle Bundle(int channels, int size, Dataset train, bool normalize)
    {
        torch.manual_seed(5);
        var arch = new ModelArchitecture { Kind = ModelKind.ConvNet, InputShape = [channels, size, size], EmbeddingDim = 8 };
        var input = new ModelInput
        {
            Kind = DataKind.Images,
            ItemShape = [channels, size, size],
            Normalization = normalize ? InputNormalization.Compute(train) : null,
        };
        return new ModelBundle(arch.Create(), arch, input, train.ClassNames);
    }

    /// <summary>Two classes of PNG, JPEG and BMP files of mixed sizes and colours (so resizing and the grey conversion are exercised).</summary>
    private static List<string> WriteImageFolder(string root)
    {
        var rng = new Random(11);
        var files = new List<string>();
        foreach (var cls in new[] { "cat", "dog" })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            for (int i = 0; i < 4; i++)
            {
                int w = 10 + rng.Next(30), h = 10 + rng.Next(30);
                var seed = rng.Next();
                SKColor Color(int x, int y) => new((byte)((x * 37 + seed) % 256), (byte)((y * 53 + seed / 7) % 256), (byte)((x * y + seed / 13) % 256));
                var (ext, bytes) = (i % 3) switch { 0 => (".png", Png(w, h, Color)), 1 => (".jpg", Jpeg(w, h, Color)), _ => (".bmp", Bmp(w, h, Color)) };
                var path = Path.Combine(root, cls, $"img{i}{ext}");
                File.WriteAllBytes(path, bytes);
                files.Add(path);
            }
        }
        return files;
    }

    [Theory]
    [InlineData(1, 16, true)]
    [InlineData(3, 20, true)]
    [InlineData(1, 28, false)]
    public void FilesEmbedLikeTheSameItemsReadAsADataset(int channels, int size, bool normalize)
    {
        using var tmp = new TempDir();
        var files = WriteImageFolder(tmp.Path);
        using var data = ImageFolderReader.Read(tmp.Path, size, grayscale: channels == 1);
        using var bundle = Bundle(channels, size, data, normalize);
        using var viaDataset = bundle.Embed(data);

        // Dataset items are ordered by class, then relative path: the same order as files.
        var ordered = data.ItemNames!.Select(n => Path.Combine(tmp.Path, n)).ToList();
        Assert.Equal(files.Order(StringComparer.Ordinal), ordered.Order(StringComparer.Ordinal));
        using var viaFiles = bundle.Embed(ordered, batchSize: 3);
        Assert.Equal(viaDataset.shape, viaFiles.shape);
        AssertClose(viaDataset, viaFiles, 1e-6);

        for (int i = 0; i < ordered.Count; i += 3)
        {
            using var one = bundle.Embed(ordered[i]);
            Assert.Equal(new long[] { 1, 8 }, one.shape);
            using var row = viaDataset.narrow(0, i, 1);
            AssertClose(row, one, 1e-6);
        }
    }

    [Fact]
    public void ABundledSampleImageSavedAsPngEmbedsLikeItsIdxItem()
    {
        using var tmp = new TempDir();
        using var data = DatasetLoader.Load(new DataOptions { MaxTrainItems = 40, MaxTestItems = 20 });
        using var bundle = Bundle(1, 28, data.Train, normalize: true);
        using var viaDataset = bundle.Embed(data.Test);
        var pixels = data.Test.Features.narrow(0, 0, 1).reshape(28 * 28).data<float>().ToArray();
        var path = tmp.File("item0.png");
        File.WriteAllBytes(path, Png(28, 28, (x, y) => { byte v = (byte)Math.Round(pixels[y * 28 + x] * 255f); return new SKColor(v, v, v); }));
        using var viaFile = bundle.Embed(path);
        using var row = viaDataset.narrow(0, 0, 1);
        AssertClose(row, viaFile, 1e-5); // grey through RGB luma: 0.299 + 0.587 + 0.114 is 1 only to float precision
    }

    [Fact]
    public void BadFilesAndNonImageModelsAreRefusedByName()
    {
        using var tmp = new TempDir();
        var files = WriteImageFolder(tmp.Path);
        using var data = ImageFolderReader.Read(tmp.Path, 16);
        using var bundle = Bundle(1, 16, data, normalize: false);
        var corrupt = tmp.File("corrupt.png");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(files[0])[..20]);
        AssertDataError(() => bundle.Embed([files[1], corrupt, tmp.File("missing.png")]), corrupt);
        AssertDataError(() => bundle.Embed(tmp.File("missing.png")), tmp.File("missing.png"));
        using var empty = bundle.Embed(Array.Empty<string>());
        Assert.Equal(0, empty.shape[0]);

        var arch = new ModelArchitecture { Kind = ModelKind.Mlp, InputShape = [4], EmbeddingDim = 2, HiddenSizes = [3] };
        using var vectors = new ModelBundle(arch.Create(), arch, new ModelInput { Kind = DataKind.Vectors, ItemShape = [4] }, ["x"]);
        Assert.Throws<ModelInputMismatchException>(() => vectors.Embed(files[0]));
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        var e = expected.data<float>().ToArray();
        var a = actual.data<float>().ToArray();
        Assert.Equal(e.Length, a.Length);
        double worst = e.Zip(a, (x, y) => Math.Abs((double)x - y)).DefaultIfEmpty(0).Max();
        Assert.True(worst <= tolerance, $"largest difference {worst:E3} > {tolerance:E1}");
    }
}
