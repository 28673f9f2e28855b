using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Losses;
using TripletSharp.Mining;
using TripletSharp.Models;
using TripletSharp.Sampling;
using TripletSharp.Tests.Models;
using TripletSharp.Training;
using static TorchSharp.torch;
using TripletMarginLoss = TripletSharp.Losses.TripletMarginLoss;

namespace TripletSharp.Tests.Training;

/// <summary>The trainer over objects: parts given as objects train exactly like the same parts named in options.</summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class TrainerObjectsTests
{
    private static TrainerOptions Small(string? outDir, int epochs = 2) => new()
    {
        Epochs = epochs,
        ClassesPerBatch = 4,
        SamplesPerClass = 4,
        BatchesPerEpoch = 5,
        Model = ModelKind.Mlp,
        HiddenSizes = [16],
        EmbeddingDim = 4,
        Threads = 1,
        Seed = 3,
        LearningRate = 1e-2,
        OutputDirectory = outDir,
    };

    private static byte[] WeightsOf(string runDir) =>
        File.ReadAllBytes(Directory.GetFiles(Path.Combine(runDir, "model"), "weights-*.bin").Single());

    private static byte[] WeightsOf(ModelBundle bundle) => ModelBundle.SerializeModule(bundle.Module);

    [Fact]
    public void LossMinerSamplerAndOptimizerObjects_GiveTheSameRunAsTheirNames()
    {
        using var named = new TestFolder();
        using var objects = new TestFolder();
        using var data = SyntheticData.Clusters();
        using var byName = new Trainer(Small(named.Path) with { Margin = 0.1 }).Fit(data);

        var distance = new EuclideanDistance();
        var trainer = new Trainer(
            loss: new TripletMarginLoss(0.1, distance: distance, reducer: new AvgNonZeroReducer()),
            miner: new SemiHardMiner(0.1, distance),
            sampler: new ClassBalancedSampler(data.Train.Labels, 4, 4, seed: 3, batchesPerEpoch: 5),
            optimizer: p => torch.optim.Adam(p, 1e-2),
            options: Small(objects.Path) with { ClassesPerBatch = 2, SamplesPerClass = 2, BatchesPerEpoch = 1 });
        using var byObject = trainer.Fit(data);

        Assert.Equal(byName.History.Select(h => (h.Loss, h.ActiveFraction, h.Metrics)), byObject.History.Select(h => (h.Loss, h.ActiveFraction, h.Metrics)));
        Assert.Equal(Reliability.MetricsJson.NumbersText(Path.Combine(named.Path, "metrics.json")), Reliability.MetricsJson.NumbersText(Path.Combine(objects.Path, "metrics.json")));
        Assert.Equal(WeightsOf(named.Path), WeightsOf(objects.Path));
        // The resolved options describe the objects (P×K and batches come from the sampler, margin from the loss).
        var config = new RunFolder(objects.Path).ReadConfig().Trainer;
        Assert.Equal((4, 4, 5, 0.1, "semihard", "avg-nonzero"), (config.ClassesPerBatch, config.SamplesPerClass, config.BatchesPerEpoch!.Value, config.Margin, config.Miner, config.Reducer));
    }

    [Fact]
    public void StochasticMinerFactory_GivesTheSameRunAsTheName_AndResumesExactly()
    {
        using var dir = new TestFolder();
        using var data = SyntheticData.Clusters();
        using var byName = new Trainer(Small(dir["named"], 3) with { Miner = "random" }).Fit(data);

        // Per-batch factory: the miner of every batch is built from a seed derived from its position.
        Trainer Make(bool resume) => new(model: null, options: Small(dir["objects"], 3) with { Resume = resume })
        {
            MinerFactory = seed => new RandomTripletMiner(tripletsPerAnchor: 1, seed: seed),
        };
        using var cts = new CancellationTokenSource();
        var first = Make(false);
        first.BatchCompleted += (_, p) => { if (p.Epoch == 2 && p.Batch == 3) cts.Cancel(); };
        using (var stopped = first.Fit(data, cancellationToken: cts.Token))
            Assert.Equal(TrainingStatus.Interrupted, stopped.Status);
        using var resumed = Make(true).Fit(data);

        Assert.Equal(byName.History.Select(h => (h.Loss, h.Metrics)), resumed.History.Select(h => (h.Loss, h.Metrics)));
        Assert.Equal(WeightsOf(dir["named"]), WeightsOf(dir["objects"]));
    }

    [Fact]
    public void ModelObject_IsTrainedInPlace_AndEqualsTheBuiltInArchitecture()
    {
        using var dir = new TestFolder();
        using var data = SyntheticData.Clusters();
        using var builtIn = new Trainer(Small(dir["builtin"])).Fit(data);

        torch.manual_seed(3);
        var mlp = new Mlp(8, [16], 4, normalize: true);
        // The module normalises itself, so the trainer must not normalise again.
        using var given = new Trainer(mlp, options: Small(dir["given"]) with { Normalize = false }).Fit(data);

        Assert.Equal(builtIn.History.Select(h => (h.Loss, h.Metrics)), given.History.Select(h => (h.Loss, h.Metrics)));
        Assert.Same(mlp, given.Model!.Module);
        Assert.Equal(WeightsOf(dir["builtin"]), WeightsOf(given.Model));
        Assert.Equal(ModelKind.Custom, given.Model.Architecture.Kind);
    }

    [Fact]
    public void InMemory_WritesNothing_AndReturnsTheBestModel()
    {
        using var dir = new TestFolder();
        using var data = SyntheticData.Clusters();
        using var onDisk = new Trainer(Small(dir["run"], 3)).Fit(data);
        var cwd = Directory.GetFileSystemEntries(Directory.GetCurrentDirectory());

        using var inMemory = new Trainer(Small(null, 3)).Fit(data);

        Assert.Null(inMemory.Run);
        Assert.Equal(cwd, Directory.GetFileSystemEntries(Directory.GetCurrentDirectory()));
        Assert.Equal(onDisk.History.Select(h => (h.Loss, h.Metrics)), inMemory.History.Select(h => (h.Loss, h.Metrics)));
        Assert.Equal(onDisk.BestEpoch, inMemory.BestEpoch);
        // The returned model is the best epoch's, the one the run folder saved; it embeds like the saved one.
        Assert.Equal(WeightsOf(dir["run"]), WeightsOf(inMemory.Model!));
        Assert.Equal(onDisk.BestEpoch, inMemory.Model!.TrainingInfo.BestEpoch);
        Assert.Equal(onDisk.BestMetrics, inMemory.Model.TrainingInfo.Metrics! with { QueryCount = onDisk.BestMetrics!.QueryCount });
        using var saved = ModelBundle.Load(Path.Combine(dir["run"], "model"));
        using var a = saved.Embed(data.Test);
        using var b = inMemory.Model.Embed(data.Test);
        Assert.Equal(a.data<float>().ToArray(), b.data<float>().ToArray());
    }

    [Fact]
    public void WithoutTestSplit_NoEvaluation_AndTheLastEpochIsTheModel()
    {
        using var dir = new TestFolder();
        using var data = SyntheticData.Clusters();
        var epochs = new List<EpochCompletedEventArgs>();
        var trainer = new Trainer(Small(dir.Path, 3));
        trainer.EpochCompleted += (_, e) => { Assert.Null(e.TestEmbeddings); Assert.True(e.IsBest); epochs.Add(e); };
        using var result = trainer.Fit(data.Train);

        Assert.Equal(TrainingStatus.Completed, result.Status);
        Assert.Equal(3, epochs.Count);
        Assert.All(result.History, h => Assert.Null(h.Metrics));
        Assert.Equal(3, result.BestEpoch);
        Assert.Null(result.BestMetrics);
        var run = new RunFolder(dir.Path);
        Assert.False(File.Exists(run.MetricsPath));
        Assert.Null(run.ReadMetrics());
        Assert.Equal(0, run.ReadConfig().DataSummary!.TestCount);
        // model/ holds the last epoch, as does the returned model.
        using var saved = run.ReadModel();
        Assert.Equal(3, saved.TrainingInfo.BestEpoch);
        Assert.Equal(WeightsOf(dir.Path), WeightsOf(result.Model!));
        Assert.Equal(result.History.Select(h => h.Loss), run.ReadHistory().Select(h => h.Loss));
    }

    /// <summary>A plain linear embedding that does not normalise its output.</summary>
    private sealed class Linear(long inputs) : nn.Module<Tensor, Tensor>(nameof(Linear))
    {
        private readonly TorchSharp.Modules.Linear linear = CreateLinear(inputs);

        private static TorchSharp.Modules.Linear CreateLinear(long inputs) => nn.Linear(inputs, 4);

        public override Tensor forward(Tensor input) => linear.forward(input);

        public Linear Registered()
        {
            RegisterComponents();
            return this;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Normalize_IsHonouredForCustomModules(bool normalize)
    {
        using var data = SyntheticData.Clusters();
        using var result = new Trainer(Small(null, 1) with { Normalize = normalize }, shape => new Linear(shape[0]).Registered()).Fit(data);
        using var emb = result.Model!.Embed(data.Test);
        var norms = emb.norm(1).data<float>().ToArray();
        if (normalize) Assert.All(norms, n => Assert.InRange(n, 1 - 1e-5, 1 + 1e-5));
        else Assert.Contains(norms, n => Math.Abs(n - 1) > 1e-3);
    }

    [Fact]
    public void ModelAndModelFactory_Together_AreRejected()
    {
        using var data = SyntheticData.Clusters();
        var trainer = new Trainer(new Mlp(8, [16], 4), options: Small(null)) { ModelFactory = s => new Mlp(s[0], [16], 4) };
        Assert.Equal(nameof(Trainer.ModelFactory), Assert.Throws<ArgumentException>(() => trainer.Fit(data)).ParamName);
    }
}
