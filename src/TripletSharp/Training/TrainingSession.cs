using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using TripletSharp.Components;
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
/// One <see cref="Trainer.Fit(DatasetSplit, DataOptions?, CancellationToken)"/> call: the prepared data, model,
/// optimiser, loss, miner and sampler, the resumable <see cref="Checkpoint"/> state, and the named steps the trainer
/// calls in order (open or resume, train an epoch, evaluate, keep the best, checkpoint, finish).
/// </summary>
internal sealed class TrainingSession : IDisposable
{
    private readonly Trainer trainer;
    private readonly TrainerOptions o;
    private readonly RunFolder? run;
    private readonly Dataset train;
    private readonly Dataset? test;
    private readonly DataSummary summary;
    private readonly Checkpoint state;
    private readonly int batchesPerEpoch;
    private readonly long totalSteps;
    private Tensor? trainX, testX, trainLabels;
    private BatchPrefetcher? prefetcher;
    private InputNormalization? batchNormalization;
    private nn.Module<Tensor, Tensor>? model;
    private bool ownsModel;
    private ModelArchitecture? architecture;
    private ModelInput? input;
    private TrainingPrecision precision;
    private Parameter[] parameters = [];
    private OptimizerHelper? optimizer;
    private double[] groupScales = [];
    private BaseMetricLossFunction? loss;
    private BaseMiner? fixedMiner;
    private Func<int, BaseMiner>? minerPerBatch;
    private CrossBatchMemory? memory;
    private RetrievalEvaluator? evaluator;
    private ClassBalancedSampler? sampler;
    private ItemRelation? trainRelation, testRelation;
    private TupleNegativeMiner? tupleMiner;
    private bool normalizeOutside;
    private long[] indexBuffer = [];
    private bool dirty;
    private double currentLr = double.NaN;
    private byte[]? bestWeights;
    private IDisposable? folderLock;

    private TrainingSession(Trainer trainer, TrainerOptions resolved, Dataset train, Dataset? test, DataSummary summary, Checkpoint? state)
    {
        this.trainer = trainer;
        o = resolved;
        run = resolved.OutputDirectory is null ? null : new RunFolder(resolved.OutputDirectory);
        this.train = train;
        this.test = test;
        this.summary = summary;
        this.state = state ?? new Checkpoint { DataFingerprint = summary.Fingerprint };
        IsResumed = state is not null;
        batchesPerEpoch = resolved.BatchesPerEpoch!.Value;
        totalSteps = (long)resolved.Epochs * batchesPerEpoch;
    }

    /// <summary>Whether a checkpoint was found and is being continued.</summary>
    public bool IsResumed { get; }

    /// <summary>Whether every epoch already ran (a resumed complete run).</summary>
    public bool IsComplete => state.Epoch >= o.Epochs;

    /// <summary>The 0-based epoch to train next.</summary>
    public int NextEpoch => state.Epoch;

    /// <summary>
    /// Opens the run: reads and checks a checkpoint (resume), then applies the thread count when one was asked for.
    /// Nothing else is touched, so a complete run is a no-op.
    /// </summary>
    public static TrainingSession Open(Trainer trainer, TrainerOptions o, Dataset train, Dataset? test, DataSummary summary, out byte[]? modelBytes, out byte[]? optimizerBytes)
    {
        var run = o.OutputDirectory is null ? null : new RunFolder(o.OutputDirectory);
        // One writer per run folder, for the life of the session (a second `train` on the same --out is refused).
        var folderLock = run?.Lock();
        try
        {
            var session = OpenLocked(trainer, o, train, test, summary, run, out modelBytes, out optimizerBytes);
            session.folderLock = folderLock;
            return session;
        }
        catch
        {
            folderLock?.Dispose();
            throw;
        }
    }

    private static TrainingSession OpenLocked(Trainer trainer, TrainerOptions o, Dataset train, Dataset? test, DataSummary summary, RunFolder? run, out byte[]? modelBytes, out byte[]? optimizerBytes)
    {
        Checkpoint? state = null;
        modelBytes = optimizerBytes = null;
        if (run is not null && run.HasCheckpoint)
        {
            if (!o.Resume)
                throw new ArgumentException($"'{nameof(TrainerOptions.OutputDirectory)}' {run.Directory} already holds a training run; resume it, or choose another folder.", nameof(TrainerOptions.OutputDirectory));
            (state, modelBytes, optimizerBytes) = run.ReadCheckpoint();
            state.Validate(Path.Combine(run.CheckpointDirectory, Checkpoint.FileName), o.Epochs, o.BatchesPerEpoch!.Value);
            var saved = run.TryReadConfig();
            var differences = DataSummary.Differences(saved?.DataSummary, summary);
            if (state.DataFingerprint != summary.Fingerprint || differences.Length > 0)
                throw new ArgumentException(saved?.DataSummary is null
                    ? $"The run in {run.Directory} was trained on other data (its checkpoint's data fingerprint differs, and {run.ConfigPath} is missing, so what differs cannot be said); resume it with the same data."
                    : $"The run in {run.Directory} was trained on other data ({(differences.Length > 0 ? differences : "labels, counts or classes differ")}); resume it with the data in {run.ConfigPath}.", "data");
            if (saved is not null) CheckSameOptions(saved.Trainer, o, run.ConfigPath);
            // The model folder must be the one the checkpoint (and metrics.json) were written with, not one swapped in.
            run.VerifyModelFingerprint(trainer.Say, allowModelAhead: true);
        }
        else if (o.Resume)
        {
            trainer.Say($"No checkpoint in {run!.Directory}: starting from the beginning.");
        }

        // Process-wide setting, only when asked for, and only when it differs, so a run never disturbs concurrent torch work needlessly.
        if (trainer.Options.Threads is { } threads && torch.get_num_threads() != threads) torch.set_num_threads(threads);
        var session = new TrainingSession(trainer, o, train, test, summary, state);
        if (session.IsComplete) trainer.Say($"The run in {run!.Directory} is already complete ({state!.Epoch} epochs).");
        return session;
    }

    /// <summary>
    /// Prepares training: standardised data in memory, the seeded model, the optimiser (both restored from the
    /// checkpoint when resuming), the run folder's <c>config.json</c>, the loss, the miner, the evaluator and the sampler.
    /// </summary>
    public void Prepare(DataOptions? dataOptions, byte[]? modelBytes, byte[]? optimizerBytes)
    {
        var normalization = o.ImageNetNormalization ? InputNormalization.ImageNet(train.ItemShape[0]) : InputNormalization.Compute(train);
        // Augmented or lazily read images are prepared per batch on worker threads, then standardised.
        var augmentation = ImageAugmentation.For(o.Augment);
        if (augmentation is not null || train.IsLazy)
        {
            prefetcher = new BatchPrefetcher((IImageItems?)train.Files ?? new TensorImageItems(train.Features), augmentation, o.Seed, o.Threads ?? 1);
            batchNormalization = normalization;
        }
        using (torch.no_grad())
        {
            trainX = prefetcher is not null ? null : normalization.Apply(train.Features).DetachFromDisposeScope();
            testX = test is null ? null : normalization.Apply(test.Features).DetachFromDisposeScope();
            trainLabels = torch.tensor(train.Labels, ScalarType.Int64).DetachFromDisposeScope();
            trainRelation = RelationOf(train, "training");
            testRelation = test is null ? null : RelationOf(test, "test");
        }

        torch.manual_seed(o.Seed);
        (model, ownsModel) = trainer.CreateModel(o, train.ItemShape);
        architecture = Describe(model);
        // The training step's precision (float32 evaluation either way); a fallback to fp32 is said once.
        precision = MixedPrecision.Apply(model, o.Precision,
            o.Precision == TrainingPrecision.Fp32 || MixedPrecision.SupportsBf16(model.parameters().FirstOrDefault()?.device ?? torch.CPU), trainer.Say);
        normalizeOutside = ModelBundle.NormalizesOutside(architecture);
        input = new ModelInput { Kind = train.Kind, ItemShape = train.ItemShape, Normalization = normalization, Data = dataOptions };
        // Pretrained weights start a run; a resumed one gets its weights from the checkpoint.
        if (!IsResumed && o.Weights is not null) PretrainedWeights.Load((BackboneNet)model, o.Weights);
        parameters = model.parameters().ToArray();
        optimizer = trainer.CreateOptimizer(o, model, out groupScales);
        if (IsResumed)
        {
            LoadInto(model, modelBytes!, run!.CheckpointDirectory);
            LoadInto(optimizer, optimizerBytes!, run.CheckpointDirectory);
            trainer.Say(state.NextBatch == 0
                ? $"Resuming {run.Directory} after epoch {state.Epoch}."
                : $"Resuming {run.Directory} at epoch {state.Epoch + 1}, batch {state.NextBatch + 1}.");
        }

        if (run is not null)
        {
            Directory.CreateDirectory(run.Directory);
            // AtomicFile temporaries left by a killed process (the model and checkpoint folders clean up on their next save).
            run.RemoveStaleFiles();
            run.WriteConfig(new RunConfig { Trainer = o with { Resume = false }, Data = dataOptions ?? new DataOptions(), DataSummary = summary, Version = Trainer.LibraryVersion });
        }

        loss = trainer.Loss ?? ComponentRegistry.CreateLoss(o.Margin, o.SoftMargin, o.Reducer, ComponentRegistry.CreateDistance(o.Distance));
        (fixedMiner, minerPerBatch) = trainer.CreateMiner(o, loss.Distance);
        memory = CreateMemory(run, state);
        // A fixed k-means seed: NMI then depends only on the embeddings, so `triplet eval` reproduces metrics.json.
        evaluator = new RetrievalEvaluator(loss.Distance, knnK: 5, seed: 0, computeNmi: o.ComputeNmi);
        if (trainer.Tuples is not null) tupleMiner = trainer.TupleMiner ?? new TupleNegativeMiner(TupleNegatives.SemiHard, o.Margin, loss.Distance);
        else sampler = trainer.Sampler ?? new ClassBalancedSampler(train.Labels, o.ClassesPerBatch, o.SamplesPerClass, o.Seed, batchesPerEpoch);
    }

    /// <summary>Which items of <paramref name="data"/> are positives of each other: the trainer's relation, a shared label for multi-label data, or none (the labels).</summary>
    private ItemRelation? RelationOf(Dataset data, string split) => trainer.Relation is { } relation
        ? relation(data) ?? throw new InvalidOperationException($"The trainer's '{nameof(Trainer.Relation)}' returned null for the {split} split.")
        : data.LabelSets is null ? null : ItemRelation.SharedLabel(data.LabelSets);

    /// <summary>Trains the batches of <paramref name="epoch"/> not yet done; false when cancelled (a checkpoint is then written).</summary>
    public bool TrainEpoch(int epoch, CancellationToken cancellationToken)
    {
        model!.train();
        ApplyFreeze(epoch);
        int b = 0;
        var watch = new Stopwatch();
        // The floor runs beside every batch of the epoch; an epoch resumed from a run that did not measure it
        // has no complete floor, so none is reported for it.
        bool floorThisEpoch = o.MeasureFloor && (state.NextBatch == 0 || state.EpochFloorSeconds is not null);
        state.EpochFloorSeconds = floorThisEpoch ? state.EpochFloorSeconds ?? 0 : null;
        using var floor = floorThisEpoch
            ? new FloorProbe(trainer.CreateModel(o, train.ItemShape).Module, ModelBundle.SerializeModule(model), p => trainer.CreateOptimizer(o, p))
            : null;
        prefetcher?.Start(epoch, Batches(epoch).Take(batchesPerEpoch).Select((x, i) => (i, x.Items)).Skip(state.NextBatch).ToList());
        foreach (var (batch, tuples) in Batches(epoch))
        {
            if (b >= batchesPerEpoch) break;
            if (b < state.NextBatch) { b++; continue; }
            if (cancellationToken.IsCancellationRequested)
            {
                Interrupt();
                StoppedAt = (epoch, b);
                return false;
            }
            watch.Restart();
            var (lossValue, activeFraction) = TrainBatch(epoch, b, batch, tuples);
            watch.Stop();
            if (floor is not null) state.EpochFloorSeconds += floor.Step(trainX!, indexBuffer);
            state.EpochLossSum += lossValue;
            state.EpochTrainSeconds += watch.Elapsed.TotalSeconds;
            state.GlobalStep++;
            b++;
            state.NextBatch = b;
            dirty = true;
            trainer.OnBatch(new BatchProgress(
                epoch + 1, o.Epochs, b, batchesPerEpoch, lossValue, state.EpochLossSum / b, activeFraction,
                state.EpochTriplets == 0 ? 0 : (double)state.EpochActive / state.EpochTriplets,
                b / Math.Max(state.EpochTrainSeconds, 1e-9), b * batch.Length / Math.Max(state.EpochTrainSeconds, 1e-9),
                state.EpochTrainSeconds, currentLr));
            if (o.CheckpointEveryBatches > 0 && b % o.CheckpointEveryBatches == 0 && b < batchesPerEpoch) WriteCheckpoint();
        }
        if (b < batchesPerEpoch)
            throw new InvalidOperationException($"The sampler produced {b} batches for epoch {epoch + 1}, expected {batchesPerEpoch}.");
        if (prefetcher is not null)
            trainer.Say(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Epoch {epoch + 1}: the step waited {prefetcher.WaitSeconds:F2} s for prepared batches of {state.EpochTrainSeconds:F2} s training (data share {100 * prefetcher.WaitSeconds / Math.Max(state.EpochTrainSeconds, 1e-9):F1} %)."));
        return true;
    }

    /// <summary>
    /// Freezes or thaws a backbone for <paramref name="epoch"/> (<see cref="TrainerOptions.FreezeBackboneEpochs"/>):
    /// frozen, its parameters take no gradient (the optimiser skips them) and its BatchNorm layers run in eval mode.
    /// A function of the epoch alone, so a resumed run is frozen exactly as an uninterrupted one.
    /// </summary>
    private void ApplyFreeze(int epoch)
    {
        if (model is not BackboneNet net || o.FreezeBackboneEpochs == 0) return;
        bool frozen = o.IsBackboneFrozen(epoch);
        foreach (var p in net.BackboneParameters()) p.requires_grad = !frozen;
        if (frozen) net.Backbone.eval();
    }

    /// <summary>Where a cancelled run stopped: 0-based epoch and batches done in it.</summary>
    public (int Epoch, int Batch) StoppedAt { get; private set; }

    /// <summary>The epoch's batches: class-balanced item indices, or tuple batches (their rows and triplets).</summary>
    private IEnumerable<(int[] Items, TupleBatch? Tuples)> Batches(int epoch) => trainer.Tuples is { } tuples
        ? tuples.GetEpoch(epoch).Select(t => (t.Items, (TupleBatch?)t))
        : sampler!.GetEpoch(epoch).Select(items => (items, (TupleBatch?)null));

    /// <summary>One optimisation step on the items <paramref name="batch"/>: forward, mine, loss, backward, step.</summary>
    private (double Loss, double ActiveFraction) TrainBatch(int epoch, int b, int[] batch, TupleBatch? tuples)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(Trainer.MixSeed(o.Seed, epoch, b));
        if (indexBuffer.Length != batch.Length) indexBuffer = new long[batch.Length];
        for (int i = 0; i < batch.Length; i++) indexBuffer[i] = batch[i];
        var idx = torch.tensor(indexBuffer, ScalarType.Int64);
        var x = prefetcher is null ? trainX!.index_select(0, idx) : PreparedBatch(b, batch.Length);
        if (o.RandomFlip && x.dim() == 4)
            x = torch.where(torch.rand(x.shape[0]).lt(Scalars.Of(0.5)).reshape(-1, 1, 1, 1), x.flip(3), x);
        // Tuple batches carry slot labels of their own (the class labels are not used); multi-label data (shared label)
        // or the trainer's relation gives the batch's B×B match matrix in place of its labels.
        var y = tuples is not null ? torch.tensor(tuples.RowLabels, ScalarType.Int64)
            : trainRelation is null ? trainLabels!.index_select(0, idx) : trainRelation.Matches(batch);
        var embeddings = ModelBundle.Forward(model!, x, normalizeOutside);
        // Miners reject NaN input; a diverged network is a non-finite loss, reported as such.
        if (!embeddings.isfinite().all().item<bool>())
            throw NonFinite("loss", double.NaN, epoch, b);
        var miner = tuples is not null ? null : fixedMiner ?? minerPerBatch!((int)(Trainer.MixSeed(o.Seed, epoch, b) & int.MaxValue));
        using var mined = tuples is not null
            ? tupleMiner!.Mine(embeddings, tuples.Anchors, tuples.Positives, tuples.Negatives, tuples.Groups)
            : memory is null ? miner!.Mine(embeddings, y) : null;
        // With a cross-batch memory the wrapper mines (against the memory after its warm-up), computes and enqueues.
        var output = memory?.ComputeDetailed(embeddings, y) ?? loss!.ComputeDetailed(embeddings, y, mined);
        double lossValue = output.Loss.item<float>();
        if (!double.IsFinite(lossValue))
            throw NonFinite("loss", lossValue, epoch, b);
        optimizer!.zero_grad();
        output.Loss.backward();
        double gradSquared = GradSquaredNorm(parameters);
        if (!double.IsFinite(gradSquared))
            throw NonFinite("gradient", gradSquared, epoch, b);
        double lr = o.LearningRateAt(epoch, state.GlobalStep, totalSteps);
        if (lr != currentLr)
        {
            int i = 0;
            foreach (var g in optimizer.ParamGroups) g.LearningRate = lr * (i < groupScales.Length ? groupScales[i++] : 1.0);
            currentLr = lr;
        }
        optimizer.step();
        state.EpochTriplets += output.TripletCount;
        state.EpochActive += output.ActiveTripletCount;
        return (lossValue, output.ActiveFraction);
    }

    /// <summary>Batch <paramref name="b"/> from the prefetcher, standardised.</summary>
    private Tensor PreparedBatch(int b, int count)
    {
        var values = prefetcher!.Take(b);
        using var raw = torch.tensor(values, [count, .. prefetcher.ItemShape]);
        return batchNormalization!.Apply(raw);
    }

    /// <summary>
    /// Embeds and scores the test split after <paramref name="epoch"/> when it is due (every epoch, or the last one);
    /// an evaluation with no embeddings when there is no test split or it is not due.
    /// </summary>
    public EpochEvaluation Evaluate(int epoch)
    {
        var watch = Stopwatch.StartNew();
        if (testX is null || !(o.EvaluateEveryEpoch || epoch == o.Epochs - 1))
            return new EpochEvaluation(null, null, watch.Elapsed.TotalSeconds);
        var embeddings = ModelBundle.EmbedPrepared(model!, testX, null, o.EvalBatchSize, normalizeOutside);
        try
        {
            var metrics = testRelation is null ? evaluator!.Evaluate(embeddings, test!.Labels) : evaluator!.Evaluate(embeddings, testRelation);
            return new EpochEvaluation(metrics, embeddings, watch.Elapsed.TotalSeconds);
        }
        catch
        {
            embeddings.Dispose();
            throw;
        }
    }

    /// <summary>The history row of <paramref name="epoch"/> from the epoch's sums and its evaluation.</summary>
    public EpochRecord Record(int epoch, EpochEvaluation evaluation) => new()
    {
        Epoch = epoch + 1,
        Loss = state.EpochLossSum / batchesPerEpoch,
        ActiveFraction = state.EpochTriplets == 0 ? 0 : (double)state.EpochActive / state.EpochTriplets,
        TripletsPerBatch = (double)state.EpochTriplets / batchesPerEpoch,
        LearningRate = currentLr,
        Metrics = evaluation.Metrics,
        TrainSeconds = state.EpochTrainSeconds,
        EvalSeconds = evaluation.Seconds,
        FloorSeconds = state.EpochFloorSeconds,
    };

    /// <summary>
    /// Keeps the model of <paramref name="record"/>'s epoch when it is the best so far (MAP@R, then precision@1):
    /// in memory, and in the run folder's <c>model/</c>. With no test split, the last epoch is the best.
    /// </summary>
    public bool KeepBest(EpochRecord record)
    {
        var metrics = record.Metrics;
        if (!IsBest(test is not null, metrics, state.BestScore)) return false;
        if (metrics is not null) state.BestScore = Score(metrics);
        state.BestEpoch = record.Epoch;
        state.BestMetrics = metrics;
        bestWeights = test is null ? null : ModelBundle.SerializeModule(model!);
        if (run is not null)
        {
            run.WriteModel(Bundle(record.Epoch, metrics));
            state.ModelFingerprint = ModelFingerprint.Compute(run.ModelDirectory);
        }
        return true;
    }

    /// <summary>Closes <paramref name="record"/>'s epoch: history row, position, zeroed sums, <c>history.csv</c> and the checkpoint.</summary>
    public void CompleteEpoch(EpochRecord record)
    {
        state.History.Add(record);
        run?.WriteHistory(state.History);
        state.Epoch = record.Epoch;
        state.NextBatch = 0;
        state.EpochLossSum = 0;
        state.EpochTriplets = 0;
        state.EpochActive = 0;
        state.EpochTrainSeconds = 0;
        state.EpochFloorSeconds = null;
        WriteCheckpoint();
    }

    /// <summary>What observers of the epoch receive.</summary>
    public EpochCompletedEventArgs EventArgs(EpochRecord record, bool isBest, EpochEvaluation evaluation) =>
        new(record, o.Epochs, isBest, evaluation.Embeddings, test?.Labels ?? [], loss!.Distance, o.Margin, run);

    /// <summary>
    /// Scores the trainer's held-out tuples on the best model, writes <c>metrics.json</c> (the test metrics and that score;
    /// a run found complete only gets it back if it went missing) and hands over the best model.
    /// </summary>
    public TrainingResult Finish()
    {
        bool trained = model is not null, owned = ownsModel;
        var best = BestModel();
        try
        {
            var tuples = best is null ? null : ScoreHeldOutTuples(best);
            if (run is not null && (state.BestMetrics is not null || tuples is not null) && (trained || !File.Exists(run.MetricsPath)))
                run.WriteMetrics(state.BestMetrics, tuples, state.ModelFingerprint ?? run.CurrentModelFingerprint());
            return Result(TrainingStatus.Completed, best) with { TupleMetrics = tuples };
        }
        catch
        {
            // A model read from the folder here is ours alone; the session's module goes back to the session, which
            // disposes it (or not, when the trainer was given it) as before.
            if (trained) ownsModel = owned;
            else best?.Dispose();
            throw;
        }
    }

    /// <summary>The trainer's held-out tuples scored on <paramref name="best"/>: only the items they name are embedded; null when there are none.</summary>
    private TupleMetrics? ScoreHeldOutTuples(ModelBundle best)
    {
        if (trainer.HeldOutTuples is not { Count: > 0 } tuples) return null;
        var items = tuples.Items();
        var row = new Dictionary<int, int>(items.Length);
        for (int i = 0; i < items.Length; i++) row[items[i]] = i;
        using var subset = train.Subset(items);
        using var embeddings = best.Embed(subset);
        return tuples.Score(embeddings, i => row[i], best.CreateDistance(), tuples.Path is null ? null : Path.GetFullPath(tuples.Path));
    }

    /// <summary>The result of a cancelled run, with the model as it stands.</summary>
    public TrainingResult Interrupted() =>
        Result(TrainingStatus.Interrupted, model is null ? null : Handover(Bundle(state.BestEpoch, state.BestMetrics))) with
        {
            StoppedEpoch = StoppedAt.Epoch + 1,
            StoppedBatch = StoppedAt.Batch,
        };

    private TrainingResult Result(TrainingStatus status, ModelBundle? bundle) => new()
    {
        Status = status,
        Run = run,
        History = state.History,
        BestEpoch = state.BestEpoch,
        BestMetrics = state.BestMetrics,
        Model = bundle,
    };

    /// <summary>The best epoch's model: the trained module itself, set back to the best weights when a later epoch was worse.</summary>
    private ModelBundle? BestModel()
    {
        if (model is null)
        {
            // A run found complete: its best model is the one in the folder.
            if (run is null || !File.Exists(Path.Combine(run.ModelDirectory, ModelBundle.ManifestFileName))) return null;
            var (module, owns) = trainer.CreateModel(o, train.ItemShape);
            try
            {
                return run.ReadModel(module);
            }
            catch
            {
                if (owns) module.Dispose();
                throw;
            }
        }
        if (state.BestEpoch == 0) return null;
        if (state.BestEpoch != state.Epoch)
        {
            if (bestWeights is not null) LoadInto(model, bestWeights, "memory");
            else if (run is not null) return Handover(run.ReadModel(model));
        }
        return Handover(Bundle(state.BestEpoch, state.BestMetrics));
    }

    private ModelBundle Handover(ModelBundle bundle)
    {
        ownsModel = false;
        return bundle;
    }

    private ModelBundle Bundle(int bestEpoch, RetrievalMetrics? metrics)
    {
        var training = new JsonObject
        {
            ["options"] = JsonSerializer.SerializeToNode(o with { Resume = false }, JsonDefaults.Options),
            ["data"] = JsonSerializer.SerializeToNode(summary, JsonDefaults.Options),
            ["precision"] = TrainingPrecisions.Name(precision),
            ["best_epoch"] = bestEpoch,
            ["metrics"] = metrics?.ToJsonNode(),
        };
        return new ModelBundle(model!, architecture!, input!, train.ClassNames, training);
    }

    private void Interrupt()
    {
        // Even with nothing trained yet, leave a checkpoint: the folder is then a run that --resume continues.
        if (run is not null && (dirty || !run.HasCheckpoint)) WriteCheckpoint();
    }

    private void WriteCheckpoint()
    {
        if (run is not null)
        {
            byte[] optimizerBytes;
            using (var ms = new MemoryStream())
            {
                using (var writer = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) optimizer!.save_state_dict(writer);
                optimizerBytes = ms.ToArray();
            }
            state.Memory = null;
            byte[]? memoryBytes = memory is null ? null : SerializeMemory(memory, state);
            run.WriteCheckpoint(state, ModelBundle.SerializeModule(model!), optimizerBytes, memoryBytes);
        }
        dirty = false;
    }

    /// <summary>
    /// The cross-batch memory when <see cref="TrainerOptions.MemorySize"/> is set, restored from the checkpoint when
    /// resuming: its rows were embedded by past model states, so they are saved, not rebuilt.
    /// </summary>
    private CrossBatchMemory? CreateMemory(RunFolder? folder, Checkpoint saved)
    {
        if (o.MemorySize == 0) return null;
        if (fixedMiner is null)
            throw new ArgumentException($"'{nameof(TrainerOptions.Miner)}' '{o.Miner}' draws random numbers per batch and cannot mine against a cross-batch memory.", nameof(TrainerOptions.Miner));
        CrossBatchMemory xbm;
        try
        {
            xbm = new CrossBatchMemory(loss!, fixedMiner, o.MemorySize, o.MemoryWarmupBatches);
        }
        catch (NotSupportedException e)
        {
            throw new ArgumentException(e.Message, nameof(TrainerOptions.Miner), e);
        }
        if (!IsResumed || saved.GlobalStep == 0) return xbm;
        var dir = folder!.CheckpointDirectory;
        var m = saved.Memory ?? throw new ModelFormatException(Path.Combine(dir, Checkpoint.FileName), "has no cross-batch memory, but the run uses one; it cannot resume exactly.");
        var bytes = saved.ReadMemory(dir)!;
        long floats = (long)m.Count * m.Dimension;
        if (bytes.Length != floats * 4 + m.Count * 8L)
            throw new ModelFormatException(Path.Combine(dir, m.File), $"holds {bytes.Length} bytes, not the {m.Count}×{m.Dimension} memory that checkpoint.json describes.");
        var values = new float[floats];
        var labels = new long[m.Count];
        Buffer.BlockCopy(bytes, 0, values, 0, (int)(floats * 4));
        Buffer.BlockCopy(bytes, (int)(floats * 4), labels, 0, m.Count * 8);
        using var scope = torch.NewDisposeScope();
        try
        {
            xbm.Restore(torch.tensor(values, new long[] { m.Count, m.Dimension }), torch.tensor(labels), m.NextSlot, m.BatchesSeen);
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException(Path.Combine(dir, Checkpoint.FileName), $"its cross-batch memory does not fit the run ({e.Message}).", e);
        }
        return xbm;
    }

    /// <summary>The memory's rows as float32 then int64 labels, and its description in <paramref name="checkpoint"/>.</summary>
    private static byte[] SerializeMemory(CrossBatchMemory xbm, Checkpoint checkpoint)
    {
        using var scope = torch.NewDisposeScope();
        var (e, l) = xbm.Snapshot();
        var values = e.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        var labels = l.contiguous().data<long>().ToArray();
        var bytes = new byte[values.Length * 4L + labels.Length * 8L];
        Buffer.BlockCopy(values, 0, bytes, 0, values.Length * 4);
        Buffer.BlockCopy(labels, 0, bytes, values.Length * 4, labels.Length * 8);
        checkpoint.Memory = new MemoryCheckpoint { Count = xbm.Count, Dimension = (int)(xbm.Count == 0 ? 0 : e.shape[1]), NextSlot = xbm.NextSlot, BatchesSeen = xbm.BatchesSeen };
        return bytes;
    }

    /// <summary>
    /// Whether an epoch with <paramref name="metrics"/> beats <paramref name="bestScore"/>: always with no test split;
    /// never when MAP@R cannot be computed (NaN: no query with a same-class neighbour) or no metrics were taken.
    /// </summary>
    internal static bool IsBest(bool hasTest, RetrievalMetrics? metrics, double bestScore) =>
        !hasTest || (metrics is not null && !double.IsNaN(metrics.MapAtR) && Score(metrics) > bestScore);

    /// <summary>The score that picks the best epoch: MAP@R, then precision@1 to break ties.</summary>
    private static double Score(RetrievalMetrics m) =>
        (double.IsNaN(m.MapAtR) ? -1 : m.MapAtR) + 1e-9 * (double.IsNaN(m.PrecisionAt1) ? 0 : m.PrecisionAt1);

    private ModelArchitecture Describe(nn.Module<Tensor, Tensor> module)
    {
        int dim = o.EmbeddingDim;
        if (o.Model == ModelKind.Custom)
        {
            // The custom module's output size is whatever it produces: probe it on one zero item.
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            bool wasTraining = module.training;
            module.eval();
            dim = (int)module.forward(torch.zeros([1, .. train.ItemShape])).shape[^1];
            if (wasTraining) module.train();
        }
        return new ModelArchitecture { Kind = o.Model!.Value, InputShape = train.ItemShape, EmbeddingDim = dim, HiddenSizes = o.HiddenSizes, Normalize = o.Normalize, HeadBatchNorm = o.HeadBatchNorm };
    }

    private NonFiniteLossException NonFinite(string quantity, double value, int epoch, int batch) =>
        new(quantity, value, epoch + 1, batch + 1, run is not null && run.HasCheckpoint ? CheckpointDescription(run) : null);

    private static string? CheckpointDescription(RunFolder run)
    {
        try { return run.ReadCheckpoint().State.Describe(run.CheckpointDirectory); }
        catch (ModelFormatException) { return run.CheckpointDirectory; }
    }

    private static void LoadInto(nn.Module<Tensor, Tensor> module, byte[] bytes, string dir)
    {
        try
        {
            using var ms = new MemoryStream(bytes, writable: false);
            module.load(ms, strict: true);
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
            t with { Threads = null, Resume = false, OutputDirectory = null, MeasureFloor = false, CheckpointEveryBatches = 0, EvalBatchSize = ModelBundle.DefaultEmbedBatchSize },
            JsonDefaults.Options)!;
        var a = Normalise(saved);
        var b = Normalise(now);
        var differing = a.Select(kv => kv.Key).Where(k => !JsonNode.DeepEquals(a[k], b[k])).ToList();
        if (differing.Count > 0)
            throw new ArgumentException(
                $"The run was started with other options ({string.Join(", ", differing.Select(k => $"{k}: {a[k]?.ToJsonString() ?? "null"} there, {b[k]?.ToJsonString() ?? "null"} now"))}); resume with the options in {configPath}.",
                nameof(TrainerOptions.Resume));
    }

    public void Dispose()
    {
        prefetcher?.Dispose();
        trainX?.Dispose();
        testX?.Dispose();
        trainLabels?.Dispose();
        optimizer?.Dispose();
        if (ownsModel) model?.Dispose();
        folderLock?.Dispose();
    }
}
