using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using TripletSharp.Data;
using TripletSharp.Distances;
using TripletSharp.Evaluation;
using TripletSharp.Losses;
using TripletSharp.Mining;
using TripletSharp.Models;
using TripletSharp.Sampling;
using static TorchSharp.torch;

namespace TripletSharp.Training;

/// <summary>
/// Trains an embedding network with triplet loss on P×K batches, evaluates it on the test split after each epoch,
/// keeps the best model, and checkpoints so that an interrupted run resumes exactly.
/// </summary>
/// <remarks>
/// Outputs, all written atomically into the run folder (<see cref="RunLayout"/>): <c>model/</c> (the best epoch's
/// <see cref="ModelBundle"/>), <c>checkpoint/</c>, <c>config.json</c>, <c>history.csv</c> and, once every epoch ran,
/// <c>metrics.json</c>. Batches are gathered with <c>index_select</c> from the training features, standardised
/// once and held in memory, and every batch runs in its own dispose scope, so memory stays flat.
/// </remarks>
public sealed class Trainer
{
    private readonly Func<long[], nn.Module<Tensor, Tensor>>? customModel;

    /// <summary>Creates a trainer.</summary>
    /// <param name="options">What to train and how; validated here.</param>
    /// <param name="customModel">
    /// Optional: builds the network from the item shape instead of the built-in architectures (any
    /// <c>Module&lt;Tensor, Tensor&gt;</c>). Its model folder then needs the same module to be loaded.
    /// </param>
    public Trainer(TrainerOptions options, Func<long[], nn.Module<Tensor, Tensor>>? customModel = null)
    {
        Guard.NotNull(options, nameof(options));
        options.Validate();
        Options = options;
        this.customModel = customModel;
    }

    /// <summary>The options as given.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Raised after every batch (on the training thread; keep handlers cheap).</summary>
    public event EventHandler<BatchProgress>? BatchCompleted;

    /// <summary>Raised after every epoch, once its checkpoint is written; carries the history row and the test embeddings.</summary>
    public event EventHandler<EpochCompletedEventArgs>? EpochCompleted;

    /// <summary>Informational lines (resume notes, warnings).</summary>
    public event EventHandler<string>? Message;

    /// <summary>The options with every default resolved for <paramref name="data"/>; checks them against the data.</summary>
    /// <exception cref="ArgumentException">The options contradict the data (for example P larger than the number of classes).</exception>
    public TrainerOptions Resolve(DatasetSplit data)
    {
        Guard.NotNull(data, nameof(data));
        var o = Options;
        var train = data.Train;
        if (train.Count == 0) throw new ArgumentException("The training split is empty.", nameof(data));
        if (data.Test.Count == 0) throw new ArgumentException("The test split is empty: evaluation needs test items.", nameof(data));
        var model = customModel is not null ? ModelKind.Custom : o.Model ?? (train.Kind == DataKind.Images ? ModelKind.ConvNet : ModelKind.Mlp);
        if (model == ModelKind.ConvNet && (train.Kind != DataKind.Images || train.ItemShape.Length != 3))
            throw new ArgumentException($"'{nameof(TrainerOptions.Model)}' is convnet, which needs images, but the data holds {ModelInput.Describe(train.Kind, train.ItemShape)}; use mlp.", nameof(TrainerOptions.Model));
        int classes = train.Labels.Distinct().Count();
        if (o.ClassesPerBatch > classes)
            throw new ArgumentException($"'{nameof(TrainerOptions.ClassesPerBatch)}' is {o.ClassesPerBatch}, but the training data has only {classes} classes.", nameof(TrainerOptions.ClassesPerBatch));
        long batch = (long)o.ClassesPerBatch * o.SamplesPerClass;
        if (batch > train.Count)
            throw new ArgumentException($"'{nameof(TrainerOptions.ClassesPerBatch)}' × '{nameof(TrainerOptions.SamplesPerClass)}' = {batch} is larger than the {train.Count} training items.", nameof(TrainerOptions.SamplesPerClass));
        return o with
        {
            Model = model,
            BatchesPerEpoch = o.BatchesPerEpoch ?? (int)Math.Max(1, train.Count / batch),
            Threads = o.Threads ?? Environment.ProcessorCount,
            OutputDirectory = Path.GetFullPath(o.OutputDirectory ?? RunLayout.DefaultDirectory()),
        };
    }

    /// <summary>Trains on <paramref name="data"/> (or continues the run when <see cref="TrainerOptions.Resume"/> is set).</summary>
    /// <param name="data">Training and test splits (not disposed here).</param>
    /// <param name="dataOptions">How the data was read; stored with the model so that new data is read the same way.</param>
    /// <param name="cancellationToken">Stops training within one batch; a checkpoint is written and the result says <see cref="TrainingStatus.Interrupted"/>.</param>
    /// <exception cref="ArgumentException">Options contradict the data, or the output folder already holds another run.</exception>
    /// <exception cref="NonFiniteLossException">The loss or a gradient became NaN or infinite; the last good checkpoint is kept.</exception>
    /// <exception cref="ModelFormatException">Resuming from a checkpoint that is corrupt.</exception>
    public TrainingResult Fit(DatasetSplit data, DataOptions? dataOptions = null, CancellationToken cancellationToken = default)
    {
        var o = Resolve(data);
        var run = new RunLayout(o.OutputDirectory!);
        var summary = DataSummary.Of(data);

        Checkpoint? state = null;
        byte[]? modelBytes = null, optimizerBytes = null;
        if (Checkpoint.Exists(run.CheckpointDirectory))
        {
            if (!o.Resume)
                throw new ArgumentException($"'{nameof(TrainerOptions.OutputDirectory)}' {run.Directory} already holds a training run; resume it, or choose another folder.", nameof(TrainerOptions.OutputDirectory));
            (state, modelBytes, optimizerBytes) = Checkpoint.Load(run.CheckpointDirectory);
            if (state.DataFingerprint != summary.Fingerprint)
                throw new ArgumentException($"The run in {run.Directory} was trained on other data (labels, counts or classes differ); resume it with the same data.", nameof(data));
            if (File.Exists(run.ConfigPath))
                CheckSameOptions(RunConfig.Load(run.ConfigPath).Trainer, o, run.ConfigPath);
        }
        else if (o.Resume)
        {
            Say($"No checkpoint in {run.Directory}: starting from the beginning.");
        }

        // Process-wide setting: change it only when it differs, so a run never disturbs concurrent torch work needlessly.
        if (torch.get_num_threads() != o.Threads!.Value) torch.set_num_threads(o.Threads.Value);
        var train = data.Train;
        var test = data.Test;
        int epochs = o.Epochs;
        int batchesPerEpoch = o.BatchesPerEpoch!.Value;
        long totalSteps = (long)epochs * batchesPerEpoch;

        if (state is not null && state.Epoch >= epochs)
        {
            Say($"The run in {run.Directory} is already complete ({state.Epoch} epochs).");
            if (state.BestMetrics is not null && !File.Exists(run.MetricsPath)) WriteMetrics(run.MetricsPath, state.BestMetrics);
            return new TrainingResult { Status = TrainingStatus.Completed, Run = run, History = state.History, BestEpoch = state.BestEpoch, BestMetrics = state.BestMetrics };
        }

        var normalization = InputNormalization.Compute(train);
        Tensor? trainX = null, testX = null, trainLabels = null;
        nn.Module<Tensor, Tensor>? model = null;
        OptimizerHelper? optimizer = null;
        try
        {
            using (torch.no_grad())
            {
                trainX = normalization.Apply(train.Features).DetachFromDisposeScope();
                testX = normalization.Apply(test.Features).DetachFromDisposeScope();
                trainLabels = torch.tensor(train.Labels, ScalarType.Int64).DetachFromDisposeScope();
            }

            torch.manual_seed(o.Seed);
            model = CreateModel(o, train.ItemShape);
            var architecture = Describe(o, train.ItemShape, model);
            var input = new ModelInput { Kind = train.Kind, ItemShape = train.ItemShape, Normalization = normalization, Data = dataOptions };
            var parameters = model.parameters().ToArray();
            optimizer = CreateOptimizer(o, parameters);
            if (state is not null)
            {
                LoadInto(model, modelBytes!, run.CheckpointDirectory);
                LoadInto(optimizer, optimizerBytes!, run.CheckpointDirectory);
                Say(state.NextBatch == 0
                    ? $"Resuming {run.Directory} after epoch {state.Epoch}."
                    : $"Resuming {run.Directory} at epoch {state.Epoch + 1}, batch {state.NextBatch + 1}.");
            }
            state ??= new Checkpoint { DataFingerprint = summary.Fingerprint };

            Directory.CreateDirectory(run.Directory);
            // AtomicFile temporaries left by a killed process (the model and checkpoint folders clean up on their next save).
            ModelBundle.RemoveStaleFiles(run.Directory, ".*.tmp");
            new RunConfig { Trainer = o with { Resume = false }, Data = dataOptions ?? new DataOptions(), DataSummary = summary, Version = LibraryVersion }.Save(run.ConfigPath);

            var distance = ComponentFactory.CreateDistance(o.Distance);
            var loss = ComponentFactory.CreateLoss(o, distance);
            bool stochastic = ComponentFactory.IsStochasticMiner(o.Miner);
            var fixedMiner = stochastic ? null : ComponentFactory.CreateMiner(o.Miner, o.Margin, distance, o.Seed);
            // A fixed k-means seed: NMI then depends only on the embeddings, so `triplet eval` reproduces metrics.json.
            var evaluator = new RetrievalEvaluator(distance, knnK: 5, seed: 0, computeNmi: o.ComputeNmi);
            var sampler = new ClassBalancedSampler(train.Labels, o.ClassesPerBatch, o.SamplesPerClass, o.Seed, batchesPerEpoch);
            long[] indexBuffer = [];
            bool dirty = false;
            double currentLr = double.NaN;

            for (int epoch = state.Epoch; epoch < epochs; epoch++)
            {
                model.train();
                int b = 0;
                var epochWatch = new Stopwatch();
                // The floor runs beside every batch of the epoch; an epoch resumed from a run that did not measure it
                // has no complete floor, so none is reported for it.
                bool floorThisEpoch = o.MeasureFloor && (state.NextBatch == 0 || state.EpochFloorSeconds is not null);
                state.EpochFloorSeconds = floorThisEpoch ? state.EpochFloorSeconds ?? 0 : null;
                using var floor = floorThisEpoch
                    ? new FloorProbe(CreateModel(o, train.ItemShape), ModelBundle.SerializeModule(model), p => CreateOptimizer(o, p))
                    : null;
                foreach (var batch in sampler.GetEpoch(epoch))
                {
                    if (b >= batchesPerEpoch) break;
                    if (b < state.NextBatch) { b++; continue; }
                    if (cancellationToken.IsCancellationRequested)
                        return Interrupt(run, state, model, optimizer, dirty, epoch, b);

                    epochWatch.Restart();
                    double lossValue, activeFraction;
                    using (var scope = torch.NewDisposeScope())
                    {
                        torch.manual_seed(MixSeed(o.Seed, epoch, b));
                        if (indexBuffer.Length != batch.Length) indexBuffer = new long[batch.Length];
                        for (int i = 0; i < batch.Length; i++) indexBuffer[i] = batch[i];
                        var idx = torch.tensor(indexBuffer, ScalarType.Int64);
                        var x = trainX.index_select(0, idx);
                        if (o.RandomFlip && x.dim() == 4)
                            x = torch.where(torch.rand(x.shape[0]).lt(Scalars.Of(0.5)).reshape(-1, 1, 1, 1), x.flip(3), x);
                        var y = trainLabels.index_select(0, idx);
                        var embeddings = model.forward(x);
                        // Miners reject NaN input; a diverged network is a non-finite loss, reported as such.
                        if (!embeddings.isfinite().all().item<bool>())
                            throw NonFinite("loss", double.NaN, epoch, b, state, run);
                        var miner = fixedMiner ?? ComponentFactory.CreateMiner(o.Miner, o.Margin, distance, (int)(MixSeed(o.Seed, epoch, b) & int.MaxValue));
                        using var mined = miner.Mine(embeddings, y);
                        var output = loss.ComputeDetailed(embeddings, y, mined);
                        lossValue = output.Loss.item<float>();
                        if (!double.IsFinite(lossValue))
                            throw NonFinite("loss", lossValue, epoch, b, state, run);
                        optimizer.zero_grad();
                        output.Loss.backward();
                        double gradSquared = GradSquaredNorm(parameters);
                        if (!double.IsFinite(gradSquared))
                            throw NonFinite("gradient", gradSquared, epoch, b, state, run);
                        double lr = o.LearningRateAt(epoch, state.GlobalStep, totalSteps);
                        if (lr != currentLr) { SetLearningRate(optimizer, lr); currentLr = lr; }
                        optimizer.step();
                        state.EpochTriplets += output.TripletCount;
                        state.EpochActive += output.ActiveTripletCount;
                        activeFraction = output.ActiveFraction;
                    }
                    epochWatch.Stop();
                    if (floor is not null) state.EpochFloorSeconds += floor.Step(trainX, indexBuffer);
                    state.EpochLossSum += lossValue;
                    state.EpochTrainSeconds += epochWatch.Elapsed.TotalSeconds;
                    state.GlobalStep++;
                    b++;
                    state.NextBatch = b;
                    dirty = true;
                    int done = b;
                    BatchCompleted?.Invoke(this, new BatchProgress(
                        epoch + 1, epochs, done, batchesPerEpoch, lossValue, state.EpochLossSum / done, activeFraction,
                        state.EpochTriplets == 0 ? 0 : (double)state.EpochActive / state.EpochTriplets,
                        done / Math.Max(state.EpochTrainSeconds, 1e-9), done * batch.Length / Math.Max(state.EpochTrainSeconds, 1e-9),
                        state.EpochTrainSeconds, currentLr));
                    if (o.CheckpointEveryBatches > 0 && b % o.CheckpointEveryBatches == 0 && b < batchesPerEpoch)
                    {
                        SaveCheckpoint(run, state, model, optimizer);
                        dirty = false;
                    }
                }
                if (b < batchesPerEpoch)
                    throw new InvalidOperationException($"The sampler produced {b} batches for epoch {epoch + 1}, expected {batchesPerEpoch}.");

                bool evaluate = o.EvaluateEveryEpoch || epoch == epochs - 1;
                RetrievalMetrics? metrics = null;
                Tensor? testEmbeddings = null;
                var evalWatch = Stopwatch.StartNew();
                try
                {
                    if (evaluate)
                    {
                        testEmbeddings = ModelBundle.EmbedPrepared(model, testX, null, o.EvalBatchSize);
                        metrics = evaluator.Evaluate(testEmbeddings, test.Labels);
                    }
                    evalWatch.Stop();
                    var record = new EpochRecord
                    {
                        Epoch = epoch + 1,
                        Loss = state.EpochLossSum / batchesPerEpoch,
                        ActiveFraction = state.EpochTriplets == 0 ? 0 : (double)state.EpochActive / state.EpochTriplets,
                        TripletsPerBatch = (double)state.EpochTriplets / batchesPerEpoch,
                        LearningRate = currentLr,
                        Metrics = metrics,
                        TrainSeconds = state.EpochTrainSeconds,
                        EvalSeconds = evalWatch.Elapsed.TotalSeconds,
                        FloorSeconds = state.EpochFloorSeconds,
                    };
                    bool isBest = false;
                    if (metrics is not null && Score(metrics) > state.BestScore)
                    {
                        isBest = true;
                        state.BestScore = Score(metrics);
                        state.BestEpoch = epoch + 1;
                        state.BestMetrics = metrics;
                        var training = new JsonObject
                        {
                            ["options"] = JsonSerializer.SerializeToNode(o with { Resume = false }, JsonDefaults.Options),
                            ["data"] = JsonSerializer.SerializeToNode(summary, JsonDefaults.Options),
                            ["best_epoch"] = epoch + 1,
                            ["metrics"] = MetricsNode(metrics),
                        };
                        new ModelBundle(model, architecture, input, train.ClassNames, training).Save(run.ModelDirectory);
                    }
                    state.History.Add(record);
                    AtomicFile.WriteAllText(run.HistoryPath, EpochRecord.ToCsv(state.History));
                    state.Epoch = epoch + 1;
                    state.NextBatch = 0;
                    state.EpochLossSum = 0;
                    state.EpochTriplets = 0;
                    state.EpochActive = 0;
                    state.EpochTrainSeconds = 0;
                    state.EpochFloorSeconds = null;
                    SaveCheckpoint(run, state, model, optimizer);
                    dirty = false;
                    EpochCompleted?.Invoke(this, new EpochCompletedEventArgs(record, epochs, isBest, testEmbeddings, test.Labels, distance, o.Margin, run.Directory));
                }
                finally
                {
                    testEmbeddings?.Dispose();
                }
            }

            if (state.BestMetrics is not null) WriteMetrics(run.MetricsPath, state.BestMetrics);
            return new TrainingResult { Status = TrainingStatus.Completed, Run = run, History = state.History, BestEpoch = state.BestEpoch, BestMetrics = state.BestMetrics };
        }
        finally
        {
            trainX?.Dispose();
            testX?.Dispose();
            trainLabels?.Dispose();
            optimizer?.Dispose();
            model?.Dispose();
        }
    }

    /// <summary>The score that picks the best epoch: MAP@R, then precision@1 to break ties.</summary>
    private static double Score(RetrievalMetrics m) =>
        (double.IsNaN(m.MapAtR) ? -1 : m.MapAtR) + 1e-9 * (double.IsNaN(m.PrecisionAt1) ? 0 : m.PrecisionAt1);

    private TrainingResult Interrupt(RunLayout run, Checkpoint state, nn.Module<Tensor, Tensor> model, OptimizerHelper optimizer, bool dirty, int epoch, int batch)
    {
        // Even with nothing trained yet, leave a checkpoint: the folder is then a run that --resume continues.
        if (dirty || !Checkpoint.Exists(run.CheckpointDirectory)) SaveCheckpoint(run, state, model, optimizer);
        return new TrainingResult
        {
            Status = TrainingStatus.Interrupted,
            Run = run,
            History = state.History,
            BestEpoch = state.BestEpoch,
            BestMetrics = state.BestMetrics,
            StoppedEpoch = epoch + 1,
            StoppedBatch = batch,
        };
    }

    private static void SaveCheckpoint(RunLayout run, Checkpoint state, nn.Module<Tensor, Tensor> model, OptimizerHelper optimizer)
    {
        byte[] optimizerBytes;
        using (var ms = new MemoryStream())
        {
            using (var writer = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) optimizer.save_state_dict(writer);
            optimizerBytes = ms.ToArray();
        }
        state.Save(run.CheckpointDirectory, ModelBundle.SerializeModule(model), optimizerBytes);
    }

    private static void LoadInto(nn.Module<Tensor, Tensor> model, byte[] bytes, string dir)
    {
        try
        {
            using var ms = new MemoryStream(bytes, writable: false);
            model.load(ms, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not ModelFormatException)
        {
            throw new ModelFormatException(Path.Combine(dir, Checkpoint.FileName), $"the checkpoint's model does not fit the run's architecture ({e.Message}).", e);
        }
    }

    private static void LoadInto(OptimizerHelper optimizer, byte[] bytes, string dir)
    {
        try
        {
            using var ms = new MemoryStream(bytes, writable: false);
            using var reader = new BinaryReader(ms);
            optimizer.load_state_dict(reader);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not ModelFormatException)
        {
            throw new ModelFormatException(Path.Combine(dir, Checkpoint.FileName), $"the checkpoint's optimiser state does not fit the run's optimiser ({e.Message}).", e);
        }
    }

    private NonFiniteLossException NonFinite(string quantity, double value, int epoch, int batch, Checkpoint state, RunLayout run) =>
        new(quantity, value, epoch + 1, batch + 1,
            Checkpoint.Exists(run.CheckpointDirectory) ? ReadCheckpointDescription(run) : null);

    private static string? ReadCheckpointDescription(RunLayout run)
    {
        try { return Checkpoint.Load(run.CheckpointDirectory).State.Describe(run.CheckpointDirectory); }
        catch (ModelFormatException) { return run.CheckpointDirectory; }
    }

    private nn.Module<Tensor, Tensor> CreateModel(TrainerOptions o, long[] itemShape)
    {
        if (customModel is not null) return customModel(itemShape);
        return new ModelArchitecture
        {
            Kind = o.Model!.Value,
            InputShape = itemShape,
            EmbeddingDim = o.EmbeddingDim,
            HiddenSizes = o.HiddenSizes,
            Normalize = o.Normalize,
        }.Create();
    }

    private static ModelArchitecture Describe(TrainerOptions o, long[] itemShape, nn.Module<Tensor, Tensor> model)
    {
        int dim = o.EmbeddingDim;
        if (o.Model == ModelKind.Custom)
        {
            // The custom module's output size is whatever it produces: probe it on one zero item.
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            bool wasTraining = model.training;
            model.eval();
            dim = (int)model.forward(torch.zeros([1, .. itemShape])).shape[^1];
            if (wasTraining) model.train();
        }
        return new ModelArchitecture { Kind = o.Model!.Value, InputShape = itemShape, EmbeddingDim = dim, HiddenSizes = o.HiddenSizes, Normalize = o.Normalize };
    }

    private static OptimizerHelper CreateOptimizer(TrainerOptions o, IEnumerable<Parameter> parameters) => o.Optimizer switch
    {
        OptimizerKind.Sgd => torch.optim.SGD(parameters, o.LearningRate, momentum: o.Momentum, weight_decay: o.WeightDecay),
        _ => torch.optim.Adam(parameters, o.LearningRate, weight_decay: o.WeightDecay),
    };

    private static void SetLearningRate(OptimizerHelper optimizer, double lr)
    {
        foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
    }

    private static double GradSquaredNorm(Parameter[] parameters)
    {
        using var _ = torch.no_grad();
        Tensor? total = null;
        foreach (var p in parameters)
        {
            var g = p.grad;
            if (g is null) continue;
            var s = g.mul(g).sum();
            total = total is null ? s : total.add_(s, Scalars.One);
        }
        return total is null ? 0 : total.item<float>();
    }

    private static void CheckSameOptions(TrainerOptions saved, TrainerOptions now, string configPath)
    {
        static JsonObject Normalise(TrainerOptions t) => (JsonObject)JsonSerializer.SerializeToNode(
            t with { Threads = null, Resume = false, OutputDirectory = null, MeasureFloor = false, CheckpointEveryBatches = 0, EvalBatchSize = 1024 },
            JsonDefaults.Options)!;
        var a = Normalise(saved);
        var b = Normalise(now);
        var differing = a.Select(kv => kv.Key).Where(k => !JsonNode.DeepEquals(a[k], b[k])).ToList();
        if (differing.Count > 0)
            throw new ArgumentException(
                $"The run was started with other options ({string.Join(", ", differing.Select(k => $"{k}: {a[k]?.ToJsonString() ?? "null"} there, {b[k]?.ToJsonString() ?? "null"} now"))}); resume with the options in {configPath}.",
                nameof(TrainerOptions.Resume));
    }

    internal static void WriteMetrics(string path, RetrievalMetrics metrics) =>
        AtomicFile.WriteAllText(path, MetricsNode(metrics).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    /// <summary>The metrics under their <c>metrics.json</c> keys; a NaN (for example NMI when it is off) becomes null.</summary>
    internal static JsonObject MetricsNode(RetrievalMetrics metrics)
    {
        var node = new JsonObject();
        foreach (var (k, v) in metrics.ToDictionary()) node[k] = double.IsFinite(v) ? JsonValue.Create(v) : null;
        return node;
    }

    /// <summary>A 63-bit seed from (seed, epoch, batch) via SplitMix64, so each batch's randomness depends only on its position.</summary>
    internal static long MixSeed(int seed, int epoch, int batch)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)(uint)epoch << 32 | (uint)batch);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (long)((z ^ (z >> 31)) & 0x7FFF_FFFF_FFFF_FFFFUL);
    }

    private void Say(string message) => Message?.Invoke(this, message);

    internal static string LibraryVersion => typeof(Trainer).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}
