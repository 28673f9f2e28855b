using TripletSharp.Cli;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Tests.Models;
using TripletSharp.Training;

namespace TripletSharp.Tests.Reliability;

/// <summary>Issue 15 item 19: the memory and disk estimate against hand-computed numbers, and the refusal and warning decisions (no gigabytes allocated).</summary>
public class ResourceEstimateTests
{
    private static DataDescription Images(long items, long channels, long size, long train, long test) =>
        new() { Kind = DataKind.Images, ItemShape = [channels, size, size], DecodedItems = items, TrainItems = train, TestItems = test };

    [Fact]
    public void ConvNetAndMlpParameterCounts_AreThoseOfTheBuiltModules()
    {
        // ConvNet on 1×28×28, 64-d: conv1 1·32·9+32, conv2 32·64·9+64, fc1 64·7·7·128+128, fc2 128·64+64.
        var (p, a, largest) = ResourceEstimate.Cost(ModelKind.ConvNet, [1, 28, 28], 64, [], false);
        Assert.Equal(320 + 18_496 + 401_536 + 8_256, p);
        // Kept for backward: conv1 + ReLU 2·32·784, pool 32·14·14, conv2 + ReLU 2·64·196, pool 64·49, fc1 + ReLU 2·128, fc2 + norm 2·64.
        Assert.Equal(2 * 25_088 + 6_272 + 2 * 12_544 + 3_136 + 256 + 128, a);
        Assert.Equal(25_088, largest);
        using (var net = new ConvNet(1, 28, 28, 64)) Assert.Equal(p, net.parameters().Sum(x => x.numel()));
        using (var net = new ConvNet(3, 100, 60, 32)) Assert.Equal(ResourceEstimate.Cost(ModelKind.ConvNet, [3, 100, 60], 32, [], false).Parameters, net.parameters().Sum(x => x.numel()));

        var (mp, ma, _) = ResourceEstimate.Cost(ModelKind.Mlp, [20], 16, [64, 32], false);
        Assert.Equal(20 * 64 + 64 + 64 * 32 + 32 + 32 * 16 + 16, mp);
        Assert.Equal(2 * 64 + 2 * 32 + 2 * 16, ma);
        using (var mlp = new Mlp(20, [64, 32], 16)) Assert.Equal(mp, mlp.parameters().Sum(x => x.numel()));
    }

    [Fact]
    public void TheIssuesRun_512PixelsOn40Images_HandComputed()
    {
        // 40 grey images at 512², 32 train + 8 test, Adam, P×K 2×4: the run of issue 15 item 19.
        var data = Images(40, 1, 512, 32, 8);
        var o = new TrainerOptions { ClassesPerBatch = 2, SamplesPerClass = 4 };
        var e = ResourceEstimate.ForTraining(data, o, writeReport: false);
        long w = 1 * 32 * 9 + 32 + 32 * 64 * 9 + 64 + 64L * 128 * 128 * 128 + 128 + 128 * 64 + 64; // 134,244,928
        Assert.Equal(134_244_928, w);
        Assert.Equal(w, e.Parameters);
        Assert.Equal(2L * 40 * 512 * 512 * 4, e.DataBytes);
        Assert.Equal(4 * w * (3 + 2), e.ModelBytes);
        long a = 2 * 32L * 512 * 512 + 32L * 256 * 256 + 2 * 64L * 256 * 256 + 64L * 128 * 128 + 256 + 128;
        long batch = (long)(ResourceEstimate.ActivationFactor * 4 * 8 * a) + 2 * 4 * 8 * 32L * 512 * 512;
        long save = (long)(4.0 * w * (ResourceEstimate.SaveCopies + 2 * ResourceEstimate.SaveCopiesPerSlot));
        Assert.Equal(Math.Max(batch, save), e.ActivationBytes);
        Assert.Equal(ResourceEstimate.RuntimeBytes + e.DataBytes + e.ModelBytes + e.ActivationBytes, e.MemoryBytes);
        // Disk: model 4·W, checkpoint 4·W·(1 + 2 Adam slots), the checkpoint twice while it is replaced.
        Assert.Equal(4 * w + 4 * w * 3, e.DiskBytesAfter);
        Assert.Equal(4 * w + 2 * 4 * w * 3, e.DiskBytes);
        // 2.0 GiB written when done (measured: 2.10 GB = 1.95 GiB) and 9.3 GiB of memory at the peak (measured: 8.8 GB max RSS).
        Assert.InRange(e.DiskBytesAfter / (double)(1L << 30), 1.9, 2.1);
        Assert.InRange(e.MemoryBytes / (double)(1L << 30), 8.5, 10);
    }

    [Fact]
    public void SgdWithoutMomentum_KeepsNoOptimiserState_AndALazyReaderOnlyItsWindow()
    {
        var data = Images(1000, 3, 64, 800, 200);
        var adam = ResourceEstimate.ForTraining(data, new TrainerOptions());
        var sgd = ResourceEstimate.ForTraining(data, new TrainerOptions { Optimizer = OptimizerKind.Sgd, Momentum = 0 });
        Assert.Equal(adam.Parameters * 4 * 5, adam.ModelBytes);
        Assert.Equal(sgd.Parameters * 4 * 3, sgd.ModelBytes);
        Assert.Equal(sgd.Parameters * 4 * 2, sgd.DiskBytesAfter - (adam.DiskBytesAfter - adam.Parameters * 4 * 4));
        // The estimate is a function of the data description: a reader that keeps 64 items decoded costs 64 items.
        var lazy = ResourceEstimate.ForTraining(data with { DecodedItems = 64 }, new TrainerOptions());
        Assert.Equal(2L * 64 * 3 * 64 * 64 * 4, lazy.DataBytes);
        Assert.Equal(adam.MemoryBytes - adam.DataBytes, lazy.MemoryBytes - lazy.DataBytes);
    }

    [Fact]
    public void ARunThatCannotFit_IsRefused_NamingTheOptionsAndWhatFits()
    {
        var data = Images(10_000, 3, 1024, 8_000, 2_000);
        var s = new TrainSettings { Data = new DataOptions { Path = "/nonexistent/images", Format = DataFormat.Folder, ImageSize = 1024, Grayscale = false }, Trainer = new TrainerOptions { OutputDirectory = "/tmp/x" } };
        long memory = 16L << 30;
        var e = Assert.Throws<InsufficientResourcesException>(() => ResourceCheck.ForTraining(data, s, memory, 1L << 40, 0));
        Assert.False(e.Disk);
        Assert.Contains("--image-size 1024 --color", e.Message);
        Assert.Contains("--classes-per-batch 8 × --samples-per-class 16", e.Message);
        Assert.Contains("no --max-train-items", e.Message);
        Assert.Contains("of memory is available", e.Message);
        var (size, _, _) = ResourceEstimate.WhatFits(data, s.Trainer, true, true, memory);
        Assert.NotNull(size);
        Assert.Contains($"what fits: --image-size {size}", e.Message);
        Assert.False(ResourceEstimate.ForTraining(data with { ItemShape = [3, size!.Value, size.Value] }, s.Trainer).ExceedsMemory(memory));
        Assert.True(ResourceEstimate.ForTraining(data with { ItemShape = [3, size.Value + 1, size.Value + 1] }, s.Trainer).ExceedsMemory(memory));
        var (code, message) = ErrorReporter.Classify(e);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--no-resource-check", message);
    }

    [Fact]
    public void ADiskTooSmallForTheCheckpoints_IsRefusedWithTheIoExitCode_AndAResumeCountsTheFilesAlreadyThere()
    {
        var data = Images(40, 1, 512, 32, 8);
        var s = new TrainSettings { Data = new DataOptions { Path = "/nonexistent/images", Format = DataFormat.Folder, ImageSize = 512 }, Trainer = new TrainerOptions { ClassesPerBatch = 2, SamplesPerClass = 4, OutputDirectory = "/tmp/x" } };
        var estimate = ResourceEstimate.ForTraining(data, s.Trainer);
        var e = Assert.Throws<InsufficientResourcesException>(() => ResourceCheck.ForTraining(data, s, 1L << 40, 1L << 30, 0));
        Assert.True(e.Disk);
        Assert.Contains("--out /tmp/x", e.Message);
        Assert.Equal(ExitCodes.Io, ErrorReporter.Classify(e).Code);
        // A resumed run rewrites its files in place: only the peak above them must be free.
        Assert.NotNull(ResourceCheck.ForTraining(data, s, 1L << 40, 1L << 30, estimate.DiskBytes - (1L << 29)));
    }

    [Fact]
    public void ALargeRunIsWarnedOnce_NamingTheSizingOptions_AndASmallOneIsNot()
    {
        var s = new TrainSettings { Data = new DataOptions { Path = "/nonexistent/images", Format = DataFormat.Folder, ImageSize = 512 }, Trainer = new TrainerOptions { ClassesPerBatch = 2, SamplesPerClass = 4, OutputDirectory = "/tmp/x" } };
        var warning = ResourceCheck.ForTraining(Images(40, 1, 512, 32, 8), s, 64L << 30, 1L << 40, 0);
        Assert.NotNull(warning);
        Assert.DoesNotContain('\n', warning);
        Assert.Contains("--image-size 512", warning);
        Assert.Contains("--classes-per-batch 2 × --samples-per-class 4", warning);
        Assert.Contains("32 training items, no --max-train-items", warning);
        Assert.Contains("GiB of disk at the peak", warning);

        var small = new TrainSettings { Data = s.Data with { ImageSize = 28 }, Trainer = s.Trainer };
        Assert.Null(ResourceCheck.ForTraining(Images(40, 1, 28, 32, 8), small, 16L << 30, 1L << 40, 0));
    }

    [Fact]
    public void TheDefaultRun_IsNotWarned_AndItsDataIsDescribedWithoutDecoding()
    {
        var data = DataDescription.Describe(new DataOptions())!;
        Assert.Equal(DataKind.Images, data.Kind);
        Assert.Equal(new long[] { 1, 28, 28 }, data.ItemShape);
        Assert.True(data.TrainItems > 0 && data.TestItems > 0);
        Assert.Equal(data.TrainItems + data.TestItems, data.DecodedItems);
        var e = ResourceEstimate.ForTraining(data, new TrainerOptions());
        Assert.False(e.WarnsMemory(8L << 30));
        Assert.False(ResourceEstimate.WarnsDisk(e.DiskBytes, 8L << 30));
    }

    [Fact]
    public void ImageFoldersAndCsvFiles_AreCountedByNameAndLine()
    {
        using var dir = new TestFolder();
        foreach (var c in new[] { "a", "b" })
        {
            Directory.CreateDirectory(dir[c]);
            for (int i = 0; i < 5; i++) File.WriteAllBytes(dir[$"{c}/{i}.png"], [0]);
            File.WriteAllText(dir[$"{c}/notes.txt"], "not an image");
        }
        var images = DataDescription.Describe(new DataOptions { Path = dir.Path, ImageSize = 64, Grayscale = false, TestFraction = 0.2, MaxTrainItems = 6 })!;
        Assert.Equal((10L, 6L, 2L), (images.DecodedItems, images.TrainItems, images.TestItems));
        Assert.Equal(new long[] { 3, 64, 64 }, images.ItemShape);
        // A lazy folder holds only its test split decoded (training images are decoded batch by batch).
        var lazy = DataDescription.Describe(new DataOptions { Path = dir.Path, ImageSize = 64, Grayscale = false, TestFraction = 0.2, MaxTrainItems = 6, Lazy = true })!;
        Assert.Equal((2L, 6L, 2L), (lazy.DecodedItems, lazy.TrainItems, lazy.TestItems));

        File.WriteAllText(dir["d.csv"], "label,x,y,z\na,1,2,3\nb,4,5,6\na,7,8,9\nb,1,1,1");
        var csv = DataDescription.Describe(new DataOptions { Path = dir["d.csv"], TestFraction = 0.5 })!;
        Assert.Equal((4L, 2L, 2L), (csv.DecodedItems, csv.TrainItems, csv.TestItems));
        Assert.Equal(new long[] { 3 }, csv.ItemShape);
        Assert.Null(DataDescription.Describe(new DataOptions { Path = dir["missing"] }));
    }
}

/// <summary>The check through the tool: a run far beyond any machine is refused before one image is decoded.</summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class ResourceCheckCliTests
{
    [Fact]
    public void TwentyThousandImagesAt1024InColour_AreRefusedBeforeDecoding_WithNoRunFolder()
    {
        using var dir = new TestFolder();
        // One byte each: the check counts files and never opens them (500 GB decoded: more than any machine here).
        foreach (var c in new[] { "a", "b" })
        {
            Directory.CreateDirectory(dir[$"data/{c}"]);
            for (int i = 0; i < 10_000; i++) File.WriteAllBytes(dir[$"data/{c}/{i}.png"], [0]);
        }
        var run = dir["run"];
        var (code, _, err) = TripletSharp.Tests.Cli.CliRunner.Run("train", "--data", dir["data"], "--out", run, "--image-size", "1024", "--color", "--progress", "quiet");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--image-size 1024 --color", err);
        Assert.Contains("20000 items of 3×1024×1024", err);
        Assert.Contains("what fits: --image-size ", err);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void EmbeddingIsEstimatedFromTheDataAndTheSavedModel()
    {
        var data = new DataDescription { Kind = DataKind.Vectors, ItemShape = [20], DecodedItems = 5000, TrainItems = 4000, TestItems = 1000 };
        var arch = new ModelArchitecture { Kind = ModelKind.Mlp, InputShape = [20], EmbeddingDim = 16, HiddenSizes = [64] };
        var e = ResourceEstimate.ForEmbedding(data, arch, 20 * 64 + 64 + 64 * 16 + 16, 1024);
        Assert.Equal(2L * 5000 * 20 * 4 + 4L * 5000 * 16, e.DataBytes);
        Assert.Equal(4L * (20 * 64 + 64 + 64 * 16 + 16), e.ModelBytes);
        Assert.Equal(2L * 4 * 1024 * 64, e.ActivationBytes);
        Assert.Equal(0, e.DiskBytes);
    }
}
