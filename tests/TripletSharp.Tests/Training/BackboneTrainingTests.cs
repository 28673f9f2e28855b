using TorchSharp;
using TorchSharp.Modules;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Tests.Models;
using TripletSharp.Training;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Training;

/// <summary>Training on a backbone: tiny runs (32×32 colour images, batches of 8) for the save/load path and the fine-tuning controls.</summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class BackboneTrainingTests
{
    private static DatasetSplit ColourImages(int classes = 4, int trainPerClass = 6, int testPerClass = 3, long size = 32)
    {
        var gen = new Random(11);
        Dataset Make(int perClass)
        {
            int n = classes * perClass;
            var x = new float[n * 3 * size * size];
            var labels = new long[n];
            for (int i = 0; i < n; i++)
            {
                int c = i % classes;
                labels[i] = c;
                for (int j = 0; j < 3 * size * size; j++)
                    x[i * 3 * size * size + j] = (float)Math.Clamp(0.2 * c + 0.3 * gen.NextDouble() + 0.1 * (j % 3), 0, 1);
            }
            return new Dataset(torch.tensor(x, [n, 3, size, size]), labels, Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray(), DataKind.Images);
        }
        return new DatasetSplit(Make(trainPerClass), Make(testPerClass), "synthetic", DataFormat.Folder);
    }

    private static TrainerOptions Tiny(string? outDir, int epochs = 1) => new()
    {
        Model = ModelKind.ResNet18,
        Epochs = epochs,
        ClassesPerBatch = 4,
        SamplesPerClass = 2,
        BatchesPerEpoch = 2,
        EmbeddingDim = 8,
        Threads = 1,
        Seed = 5,
        LearningRate = 1e-3,
        ComputeNmi = false,
        OutputDirectory = outDir,
    };

    private static float[] Values(Tensor t) => t.detach().cpu().to_type(ScalarType.Float32).data<float>().ToArray();

    [Fact]
    public void ResNet18_TrainsSavesAndLoads_AndTheLoadedModelEmbedsTheSame()
    {
        using var dir = new TestFolder();
        using var data = ColourImages();
        var result = new Trainer(Tiny(dir.Path) with { ImageNetNormalization = true, HeadBatchNorm = true }).Fit(data);
        Assert.Equal(TrainingStatus.Completed, result.Status);
        using var trained = result.Model!;
        using var loaded = ModelBundle.Load(result.Run!.ModelDirectory);
        Assert.Equal(ModelKind.ResNet18, loaded.Architecture.Kind);
        Assert.True(loaded.Architecture.HeadBatchNorm);
        Assert.IsType<BackboneNet>(loaded.Module);
        Assert.Equal(InputNormalization.ImageNetMean, loaded.Input.Normalization!.Mean);
        Assert.Equal(InputNormalization.ImageNetStd, loaded.Input.Normalization!.Std);
        Assert.Contains("\"kind\": \"resnet18\"", File.ReadAllText(Path.Combine(result.Run.ModelDirectory, ModelBundle.ManifestFileName)));
        using var a = trained.Embed(data.Test);
        using var b = loaded.Embed(data.Test);
        Assert.Equal(Values(a), Values(b));
        // embed prepares images as training did: ImageNet statistics, not the data's own.
        using var manual = ModelBundle.EmbedPrepared(loaded.Module, InputNormalization.ImageNet(3).Apply(data.Test.Features), null, 1024);
        Assert.Equal(Values(manual), Values(b));
    }

    [Fact]
    public void FrozenEpochs_LeaveTheBackboneAndItsBatchNormStatisticsUnchanged_WhileTheHeadTrains()
    {
        using var data = ColourImages();
        var options = Tiny(null) with { FreezeBackboneEpochs = 1 };
        torch.manual_seed(options.Seed);
        using var initial = new BackboneNet(ModelKind.ResNet18, 3, options.EmbeddingDim);
        var result = new Trainer(options).Fit(data);
        using var model = result.Model!;
        var net = Assert.IsType<BackboneNet>(model.Module);
        var before = initial.Backbone.state_dict();
        foreach (var (key, value) in net.Backbone.state_dict())
            Assert.True(Same(value, before[key]), $"{key} changed while the backbone was frozen");
        Assert.Contains(net.Backbone.named_modules(), m => m.module is BatchNorm2d);
        var headBefore = initial.HeadParameters().ToList();
        Assert.Contains(net.HeadParameters().Zip(headBefore), p => !Same(p.First, p.Second));

        // Without freezing, the same run moves the backbone and its running statistics.
        using var thawed = new Trainer(Tiny(null)).Fit(data).Model!;
        var moved = ((BackboneNet)thawed.Module).Backbone.state_dict();
        Assert.False(Same(moved["layer1.0.conv1.weight"], before["layer1.0.conv1.weight"]));
        Assert.False(Same(moved["bn1.running_mean"], before["bn1.running_mean"]));
    }

    [Fact]
    public void BackboneLrScale_GivesTheBackboneItsOwnParameterGroup()
    {
        var options = Tiny(null) with { BackboneLrScale = 0.1, LearningRate = 0.02, WeightDecay = 1e-4 };
        using var net = new BackboneNet(ModelKind.ResNet18, 3, 8);
        foreach (var kind in new[] { OptimizerKind.Adam, OptimizerKind.Sgd })
        {
            using var optimizer = new Trainer(options).CreateOptimizer(options with { Optimizer = kind }, net, out var scales);
            var groups = optimizer.ParamGroups.ToList();
            Assert.Equal(2, groups.Count);
            Assert.Equal([0.1, 1.0], scales);
            Assert.Equal(0.02 * 0.1, groups[0].LearningRate, 15);
            Assert.Equal(0.02, groups[1].LearningRate, 15);
            Assert.Equal(net.BackboneParameters().Count(), ((TorchSharp.Modules.ParamGroup)groups[0]).Parameters.Count());
            Assert.Equal(net.HeadParameters().Count(), ((TorchSharp.Modules.ParamGroup)groups[1]).Parameters.Count());
        }
        // Other networks keep one group.
        using var mlp = new Mlp(4, [3], 2);
        using var single = new Trainer(options with { Model = ModelKind.Mlp, BackboneLrScale = 1 }).CreateOptimizer(options, mlp, out var one);
        Assert.Single(single.ParamGroups);
        Assert.Equal([1.0], one);
    }

    [Fact]
    public void AnInterruptedFrozenRun_ResumesExactly()
    {
        using var data = ColourImages();
        using var straight = new TestFolder();
        using var split = new TestFolder();
        var options = Tiny(null, epochs: 2) with { FreezeBackboneEpochs = 1, WarmupEpochs = 1, BackboneLrScale = 0.5 };
        using var whole = new Trainer(options with { OutputDirectory = straight.Path }).Fit(data).Model!;

        using var cts = new CancellationTokenSource();
        var first = new Trainer(options with { OutputDirectory = split.Path });
        first.EpochCompleted += (_, _) => cts.Cancel();
        var interrupted = first.Fit(data, cancellationToken: cts.Token);
        Assert.Equal(TrainingStatus.Interrupted, interrupted.Status);
        interrupted.Model?.Dispose();
        using var resumed = new Trainer(options with { OutputDirectory = split.Path, Resume = true }).Fit(data).Model!;

        var a = whole.Module.state_dict();
        foreach (var (key, value) in resumed.Module.state_dict())
            Assert.True(Same(value, a[key]), $"{key} differs after resuming");
    }

    [Fact]
    public void WarmUp_ScalesTheScheduleLinearly_OverTheFirstEpochs()
    {
        const int epochs = 4, perEpoch = 5;
        const long total = epochs * perEpoch;
        var constant = new TrainerOptions { Epochs = epochs, LearningRate = 0.1, Schedule = LearningRateSchedule.Constant, WarmupEpochs = 2 };
        for (long step = 0; step < total; step++)
        {
            double expected = 0.1 * Math.Min(1.0, (step + 1) / 10.0);
            Assert.Equal(expected, constant.LearningRateAt((int)(step / perEpoch), step, total), 15);
        }
        var cosine = constant with { Schedule = LearningRateSchedule.Cosine };
        for (long step = 0; step < total; step++)
        {
            double expected = 0.1 * 0.5 * (1 + Math.Cos(Math.PI * step / total)) * Math.Min(1.0, (step + 1) / 10.0);
            Assert.Equal(expected, cosine.LearningRateAt((int)(step / perEpoch), step, total), 15);
        }
        // No warm-up: the schedule alone, unchanged.
        Assert.Equal(new TrainerOptions { LearningRate = 0.1 }.LearningRateAt(0, 3, 20), (cosine with { WarmupEpochs = 0 }).LearningRateAt(0, 3, 20));
    }

    [Fact]
    public void BackboneOptions_OnOtherModels_AreRefusedNamingTheOption()
    {
        using var data = ColourImages();
        var e = Assert.Throws<ArgumentException>(() => new Trainer(Tiny(null) with { Model = ModelKind.ConvNet, Weights = "x.pth" }).Fit(data));
        Assert.Equal(nameof(TrainerOptions.Weights), e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new Trainer(Tiny(null) with { Model = ModelKind.ConvNet, FreezeBackboneEpochs = 1 }).Fit(data));
        Assert.Equal(nameof(TrainerOptions.FreezeBackboneEpochs), e.ParamName);
        e = Assert.ThrowsAny<ArgumentException>(() => new Trainer(Tiny(null) with { BackboneLrScale = 0 }));
        Assert.Equal(nameof(TrainerOptions.BackboneLrScale), e.ParamName);
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
