using System.Text.Json.Nodes;
using SkiaSharp;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Tests.Data;
using TripletSharp.Tests.Models;
using TripletSharp.Training;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Images;

/// <summary>Lazy image folders equal eager ones; augmented training resumes exactly; model.json carries the preprocessing.</summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class ImagePipelineTests
{
    /// <summary>4 classes × 6 colour images of 10×8 (not square, so crop and stretch differ), each with its own pattern.</summary>
    internal static void WriteFolder(string root)
    {
        for (int c = 0; c < 4; c++)
        {
            var dir = Path.Combine(root, $"class{c}");
            Directory.CreateDirectory(dir);
            for (int i = 0; i < 6; i++)
            {
                int k = c * 6 + i;
                File.WriteAllBytes(Path.Combine(dir, $"img{i}.png"), DataTestFiles.Png(10, 8, (x, y) =>
                    new SKColor((byte)((x * 23 + c * 60 + i * 7) % 256), (byte)((y * 31 + c * 50 + k) % 256), (byte)((x * y * 5 + c * 70) % 256))));
            }
        }
    }

    internal static DataOptions Options(string root, bool lazy) => new()
    {
        Path = root, ImageSize = 8, Grayscale = false, Resize = ImageResize.Crop, Lazy = lazy, TestFraction = 0.34, Seed = 1,
    };

    [Fact]
    public void LazyFolder_EqualsEagerFolder_WholeSplitSubsetAndClasses()
    {
        using var tmp = new TempDir();
        WriteFolder(tmp.Path);
        foreach (var extra in new Func<DataOptions, DataOptions>[] { o => o, o => o with { MaxTrainItems = 8 }, o => o with { Classes = ["class1", "class3"] } })
        {
            using var eager = DatasetLoader.Load(extra(Options(tmp.Path, lazy: false)));
            using var lazy = DatasetLoader.Load(extra(Options(tmp.Path, lazy: true)));
            Assert.False(eager.Train.IsLazy);
            Assert.True(lazy.Train.IsLazy);
            foreach (var (e, l) in new[] { (eager.Train, lazy.Train), (eager.Test, lazy.Test) })
            {
                Assert.Equal(e.Labels, l.Labels);
                Assert.Equal(e.ItemNames, l.ItemNames);
                Assert.Equal(e.ClassNames, l.ClassNames);
                Assert.Equal(e.ItemShape, l.ItemShape);
                var one = new float[3 * 8 * 8];
                l.Files!.Fill(1, one);
                Assert.Equal(e.Features[1].data<float>().ToArray(), one);
                Assert.Equal(e.Features.data<float>().ToArray(), l.Features.data<float>().ToArray());
            }
        }
        using var all = DatasetLoader.LoadAll(Options(tmp.Path, lazy: true));
        using var allEager = DatasetLoader.LoadAll(Options(tmp.Path, lazy: false));
        Assert.Equal(allEager.Features.data<float>().ToArray(), all.Features.data<float>().ToArray());
    }

    [Fact]
    public void LazyNormalization_MatchesTheInMemoryStatistics()
    {
        using var tmp = new TempDir();
        WriteFolder(tmp.Path);
        using var lazy = DatasetLoader.Load(Options(tmp.Path, lazy: true));
        var streamed = InputNormalization.Compute(lazy.Train);
        using var eager = DatasetLoader.Load(Options(tmp.Path, lazy: false));
        var inMemory = InputNormalization.Compute(eager.Train);
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(inMemory.Mean[c], streamed.Mean[c], 5);
            Assert.Equal(inMemory.Std[c], streamed.Std[c], 5);
        }
    }

    internal static TrainerOptions Small(string outDir, AugmentLevel augment) => new()
    {
        Epochs = 2, ClassesPerBatch = 4, SamplesPerClass = 2, BatchesPerEpoch = 4, Model = ModelKind.ConvNet, EmbeddingDim = 8,
        Threads = 1, Seed = 4, LearningRate = 1e-2, OutputDirectory = outDir, Augment = augment, ImageNetNormalization = true, ComputeNmi = false,
    };

    private static byte[] WeightsOf(string runDir) => File.ReadAllBytes(Directory.GetFiles(Path.Combine(runDir, "model"), "weights-*.bin").Single());

    [Fact]
    public void AugmentedTraining_LazyEqualsEager_ResumeMidEpochEqualsUninterrupted()
    {
        using var tmp = new TempDir();
        WriteFolder(tmp.Path);
        using var eagerData = DatasetLoader.Load(Options(tmp.Path, lazy: false));
        using var lazyData = DatasetLoader.Load(Options(tmp.Path, lazy: true));
        using var eagerRun = new TestFolder();
        using var lazyRun = new TestFolder();
        using var parts = new TestFolder();
        using var plainRun = new TestFolder();

        var eager = new Trainer(Small(eagerRun.Path, AugmentLevel.Standard)).Fit(eagerData, Options(tmp.Path, false));
        var lazy = new Trainer(Small(lazyRun.Path, AugmentLevel.Standard)).Fit(lazyData, Options(tmp.Path, true));
        Assert.Equal(eager.History.Select(h => (h.Loss, h.Metrics)), lazy.History.Select(h => (h.Loss, h.Metrics)));
        Assert.Equal(WeightsOf(eagerRun.Path), WeightsOf(lazyRun.Path));

        // Augmentation changes training, so the equalities are not vacuous.
        var plain = new Trainer(Small(plainRun.Path, AugmentLevel.None)).Fit(eagerData, Options(tmp.Path, false));
        Assert.NotEqual(eager.History.Select(h => h.Loss), plain.History.Select(h => h.Loss));

        // Stop in the middle of epoch 2, resume: the same batches, the same weights.
        using var cts = new CancellationTokenSource();
        var first = new Trainer(Small(parts.Path, AugmentLevel.Standard) with { CheckpointEveryBatches = 1 });
        first.BatchCompleted += (_, p) => { if (p.Epoch == 2 && p.Batch == 2) cts.Cancel(); };
        Assert.Equal(TrainingStatus.Interrupted, first.Fit(lazyData, Options(tmp.Path, true), cts.Token).Status);
        var resumed = new Trainer(Small(parts.Path, AugmentLevel.Standard) with { Resume = true }).Fit(lazyData, Options(tmp.Path, true));
        Assert.Equal(TrainingStatus.Completed, resumed.Status);
        Assert.Equal(lazy.History.Select(h => (h.Epoch, h.Loss, h.Metrics)), resumed.History.Select(h => (h.Epoch, h.Loss, h.Metrics)));
        Assert.Equal(WeightsOf(lazyRun.Path), WeightsOf(parts.Path));
        lazy.Model?.Dispose();
        eager.Model?.Dispose();
        plain.Model?.Dispose();
        resumed.Model?.Dispose();
    }

    [Fact]
    public void ModelJson_RecordsThePreprocessing_EmbedFilesFollowsIt_OldModelsStretch()
    {
        using var tmp = new TempDir();
        WriteFolder(tmp.Path);
        using var data = DatasetLoader.Load(Options(tmp.Path, lazy: true));
        using var run = new TestFolder();
        var result = new Trainer(Small(run.Path, AugmentLevel.Light)).Fit(data, Options(tmp.Path, true));
        result.Model?.Dispose();
        var modelDir = Path.Combine(run.Path, "model");
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(modelDir, "model.json")))!;
        Assert.Equal("crop", (string)json["input"]!["data"]!["resize"]!);
        Assert.Equal("light", (string)json["training"]!["options"]!["augment"]!);

        var file = Path.Combine(tmp.Path, "class2", "img3.png");
        using (var bundle = ModelBundle.Load(modelDir))
        {
            Assert.Equal(ImageResize.Crop, bundle.Input.Data!.Resize);
            Assert.True(bundle.Input.Data.Lazy);
            using var fromFile = bundle.Embed(file);
            var cropped = new float[3 * 8 * 8];
            ImageFolderReader.Decode(file, 8, false, ImageResize.Crop, cropped);
            using var fromTensor = bundle.Embed(tensor(cropped, [1, 3, 8, 8]));
            Assert.Equal(fromTensor.data<float>().ToArray(), fromFile.data<float>().ToArray());
        }

        // A model.json written before the record existed has no "resize": it keeps stretching, as it was trained.
        ((JsonObject)json["input"]!["data"]!).Remove("resize");
        ((JsonObject)json["input"]!["data"]!).Remove("lazy");
        File.WriteAllText(Path.Combine(modelDir, "model.json"), json.ToJsonString());
        using (var old = ModelBundle.Load(modelDir))
        {
            Assert.Equal(ImageResize.Stretch, old.Input.Data!.Resize);
            using var fromFile = old.Embed(file);
            var stretched = new float[3 * 8 * 8];
            ImageFolderReader.Decode(file, 8, false, ImageResize.Stretch, stretched);
            using var fromTensor = old.Embed(tensor(stretched, [1, 3, 8, 8]));
            Assert.Equal(fromTensor.data<float>().ToArray(), fromFile.data<float>().ToArray());
        }
    }
}
