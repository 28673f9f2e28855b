using TorchSharp;
using TorchSharp.Modules;
using TripletSharp.Components;
using TripletSharp.Data;
using TripletSharp.Distances;
using TripletSharp.Engine;
using TripletSharp.Losses;
using TripletSharp.Mining;
using TripletSharp.Models;
using TripletSharp.Sampling;
using static TorchSharp.torch;
using TripletMarginLoss = TripletSharp.Losses.TripletMarginLoss;

namespace TripletSharp.Training;

/// <summary>
/// Trains an embedding network with triplet loss on P×K batches, evaluates it on the test split after each epoch,
/// keeps the best model, and (with a run folder) checkpoints so that an interrupted run resumes exactly.
/// </summary>
/// <remarks>
/// <para>
/// The parts are objects: the model (or <see cref="ModelFactory"/>), the loss, the miner (or
/// <see cref="MinerFactory"/>), the sampler and the optimiser factory. Each one left out is built from
/// <see cref="TrainerOptions"/> as the command line does (names through <see cref="ComponentRegistry"/>), so
/// <c>new Trainer(model, new TripletMarginLoss(0.1), new SemiHardMiner(0.1)).Fit(data)</c> and
/// <c>new Trainer(new TrainerOptions { Margin = 0.1 }).Fit(data)</c> differ only in the network.
/// </para>
/// <para>
/// With <see cref="TrainerOptions.OutputDirectory"/> set, everything is written atomically into that
/// <see cref="RunFolder"/>: <c>model/</c> (the best epoch's <see cref="ModelBundle"/>), <c>checkpoint/</c>,
/// <c>config.json</c>, <c>history.csv</c> and, once every epoch ran, <c>metrics.json</c>. Without it nothing is
/// written. Either way <see cref="TrainingResult.Model"/> holds the trained model.
/// </para>
/// </remarks>
public sealed class Trainer
{
    /// <summary>Creates a trainer from options, as the command line does.</summary>
    /// <param name="options">What to train and how; validated here.</param>
    /// <param name="customModel">
    /// Optional: builds the network from the item shape instead of the built-in architectures (any
    /// <c>Module&lt;Tensor, Tensor&gt;</c>). Its model folder then needs the same module to be loaded.
    /// </param>
    public Trainer(TrainerOptions options, Func<long[], nn.Module<Tensor, Tensor>>? customModel = null)
        : this(null, null, null, null, null, options)
    {
        Guard.NotNull(options, nameof(options));
        ModelFactory = customModel;
    }

    /// <summary>Creates a trainer from its parts; each one left out is built from <paramref name="options"/>.</summary>
    /// <param name="model">
    /// The network to train (in place; the trainer does not dispose it, <see cref="TrainingResult.Model"/> wraps it).
    /// Null: the built-in architecture of <see cref="TrainerOptions.Model"/>, or <see cref="ModelFactory"/>.
    /// </param>
    /// <param name="loss">
    /// The loss (a <see cref="TripletMarginLoss"/> or any other <see cref="BaseMetricLossFunction"/>); its distance is
    /// also the evaluation's. Null: the triplet margin loss of the options' margin, reducer and distance.
    /// </param>
    /// <param name="miner">
    /// The miner, used for every batch. Null: the options' miner, rebuilt per batch with a derived seed when it is
    /// stochastic (or <see cref="MinerFactory"/>). A stochastic miner given here resumes exactly only if set per batch
    /// through <see cref="MinerFactory"/> instead.
    /// </param>
    /// <param name="sampler">The P×K batch sampler over the training labels; its P, K and batches per epoch replace the options'. Null: from the options.</param>
    /// <param name="optimizer">Builds the optimiser over the model's parameters. Null: the options' Adam or SGD.</param>
    /// <param name="options">The scalar settings (epochs, seed, schedule, folder…); the defaults when null.</param>
    public Trainer(
        nn.Module<Tensor, Tensor>? model = null,
        BaseMetricLossFunction? loss = null,
        BaseMiner? miner = null,
        ClassBalancedSampler? sampler = null,
        Func<IEnumerable<Parameter>, OptimizerHelper>? optimizer = null,
        TrainerOptions? options = null)
    {
        Options = options ?? new TrainerOptions();
        Options.Validate();
        Model = model;
        Loss = loss;
        Miner = miner;
        Sampler = sampler;
        OptimizerFactory = optimizer;
    }

    /// <summary>The options as given.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The network given to the constructor, if any.</summary>
    public nn.Module<Tensor, Tensor>? Model { get; }

    /// <summary>Builds the network from the item shape (a custom architecture); used when no <see cref="Model"/> is given.</summary>
    public Func<long[], nn.Module<Tensor, Tensor>>? ModelFactory { get; init; }

    /// <summary>The loss given to the constructor, if any.</summary>
    public BaseMetricLossFunction? Loss { get; }

    /// <summary>The miner given to the constructor, if any.</summary>
    public BaseMiner? Miner { get; }

    /// <summary>
    /// Builds the miner of each batch from a seed derived from (seed, epoch, batch), so that a stochastic miner's
    /// draws depend only on the batch's position and a resumed run equals an uninterrupted one.
    /// </summary>
    public Func<int, BaseMiner>? MinerFactory { get; init; }

    /// <summary>The sampler given to the constructor, if any.</summary>
    public ClassBalancedSampler? Sampler { get; }

    /// <summary>
    /// Explicit tuples to train from instead of the class-balanced sampler: batches come from them, triplets from
    /// <see cref="TupleMiner"/>, and the class labels of the training data are not used (see <see cref="TupleBatchSampler"/>).
    /// </summary>
    public TupleBatchSampler? Tuples { get; init; }

    /// <summary>The triplets of each tuple batch (with <see cref="Tuples"/>); null: semi-hard extra negatives at the loss's margin and distance.</summary>
    public TupleNegativeMiner? TupleMiner { get; init; }

    /// <summary>
    /// Tuples over the training split's items kept out of training (for example the share of a tuples file that
    /// <see cref="TupleSet.Split"/> holds out) and scored on the best model when training ends: triplet accuracy, or
    /// pair verification (<see cref="TupleSet.Score"/>). The score is <see cref="TrainingResult.TupleMetrics"/> and goes
    /// into <c>metrics.json</c> under <c>"tuples"</c>. Null: none.
    /// </summary>
    public TupleSet? HeldOutTuples { get; init; }

    /// <summary>
    /// Which items are positives of each other, in place of the class labels (and of multi-label data's shared label):
    /// called once with the training split and once with the test split, it returns the relation over that dataset's
    /// item indices (for example <c>d =&gt; ItemRelation.FromPredicate((i, j) =&gt; SameProduct(d.ItemNames![i], d.ItemNames![j]))</c>).
    /// The miner and the loss then take each batch's match matrix (<see cref="ItemRelation.Matches"/>), and the test
    /// metrics count an item relevant to a query when it is the query's positive. Batches are still drawn class-balanced
    /// by the labels. Not recorded in the run folder: resume a run with the same relation. Null: the labels.
    /// </summary>
    public Func<Dataset, ItemRelation>? Relation { get; init; }

    /// <summary>The optimiser factory given to the constructor, if any.</summary>
    public Func<IEnumerable<Parameter>, OptimizerHelper>? OptimizerFactory { get; }

    /// <summary>Raised after every batch (on the training thread; keep handlers cheap).</summary>
    public event EventHandler<BatchProgress>? BatchCompleted;

    /// <summary>Raised after every epoch, once its checkpoint is written; carries the history row and the test embeddings.</summary>
    public event EventHandler<EpochCompletedEventArgs>? EpochCompleted;

    /// <summary>Informational lines (resume notes, warnings).</summary>
    public event EventHandler<string>? Message;

    /// <summary>
    /// The options with every default resolved for <paramref name="data"/> and with what the given parts are (their
    /// names, margin, P×K); checks them against the data.
    /// </summary>
    /// <exception cref="ArgumentException">The options contradict the data (for example P larger than the number of classes).</exception>
    public TrainerOptions Resolve(DatasetSplit data)
    {
        Guard.NotNull(data, nameof(data));
        DatasetLoader.CheckTestHasPairs(data.Test, data.Source, null);
        return Resolve(data.Train);
    }

    /// <summary>Trains on <paramref name="data"/> (or continues the run when <see cref="TrainerOptions.Resume"/> is set); an empty test split means no evaluation.</summary>
    /// <param name="data">Training and test splits (not disposed here).</param>
    /// <param name="dataOptions">How the data was read; stored with the model so that new data is read the same way.</param>
    /// <param name="cancellationToken">Stops training within one batch; a checkpoint is written and the result says <see cref="TrainingStatus.Interrupted"/>.</param>
    /// <exception cref="ArgumentException">Options contradict the data, or the output folder already holds another run.</exception>
    /// <exception cref="NonFiniteLossException">The loss or a gradient became NaN or infinite; the last good checkpoint is kept.</exception>
    /// <exception cref="ModelFormatException">Resuming from a checkpoint that is corrupt.</exception>
    public TrainingResult Fit(DatasetSplit data, DataOptions? dataOptions = null, CancellationToken cancellationToken = default)
    {
        Guard.NotNull(data, nameof(data));
        NativeLibraries.EnsureLoaded();
        DatasetLoader.CheckTestHasPairs(data.Test, data.Source, dataOptions);
        var test = data.Test.Count == 0 ? null : data.Test;
        return Run(data.Train, test, DataSummary.Of(data.Train, test, data.Source, data.Format), dataOptions, cancellationToken);
    }

    /// <summary>Trains on <paramref name="train"/> alone: no evaluation, and the last epoch's model is the result.</summary>
    /// <inheritdoc cref="Fit(DatasetSplit, DataOptions?, CancellationToken)"/>
    public TrainingResult Fit(Dataset train, DataOptions? dataOptions = null, CancellationToken cancellationToken = default)
    {
        Guard.NotNull(train, nameof(train));
        NativeLibraries.EnsureLoaded();
        return Run(train, null, DataSummary.Of(train, null, "", DataFormat.Auto), dataOptions, cancellationToken);
    }

    /// <summary>The story of a run: open (or resume), prepare, then per epoch train, evaluate, keep the best and checkpoint; finish.</summary>
    private TrainingResult Run(Dataset train, Dataset? test, DataSummary summary, DataOptions? dataOptions, CancellationToken cancellationToken)
    {
        var options = Resolve(train);
        using var session = TrainingSession.Open(this, options, train, test, summary, out var modelBytes, out var optimizerBytes);
        if (session.IsComplete) return session.Finish();
        session.Prepare(dataOptions, modelBytes, optimizerBytes);
        for (int epoch = session.NextEpoch; epoch < options.Epochs; epoch++)
        {
            if (!session.TrainEpoch(epoch, cancellationToken)) return session.Interrupted();
            using var evaluation = session.Evaluate(epoch);
            var record = session.Record(epoch, evaluation);
            bool isBest = session.KeepBest(record);
            session.CompleteEpoch(record);
            EpochCompleted?.Invoke(this, session.EventArgs(record, isBest, evaluation));
        }
        return session.Finish();
    }

    private TrainerOptions Resolve(Dataset train)
    {
        var o = Options;
        if (train.Count == 0) throw new ArgumentException("The training split is empty.", "data");
        if (Model is not null && ModelFactory is not null)
            throw new ArgumentException($"Give the trainer a model or a '{nameof(ModelFactory)}', not both.", nameof(ModelFactory));
        if (Miner is not null && MinerFactory is not null)
            throw new ArgumentException($"Give the trainer a miner or a '{nameof(MinerFactory)}', not both.", nameof(MinerFactory));
        if (o.MeasureFloor && Model is not null)
            throw new ArgumentException($"'{nameof(TrainerOptions.MeasureFloor)}' trains a copy of the model: give a '{nameof(ModelFactory)}' instead of a model.", nameof(TrainerOptions.MeasureFloor));
        var model = Model is not null || ModelFactory is not null ? ModelKind.Custom : o.Model ?? (train.Kind == DataKind.Images ? ModelKind.ConvNet : ModelKind.Mlp);
        if (model == ModelKind.ConvNet && (train.Kind != DataKind.Images || train.ItemShape.Length != 3))
            throw new ArgumentException($"'{nameof(TrainerOptions.Model)}' is convnet, which needs images, but the data holds {ModelInput.Describe(train.Kind, train.ItemShape)}; use mlp.", nameof(TrainerOptions.Model));
        bool backbone = BackboneNet.IsBackbone(model) || Model is BackboneNet;
        if (BackboneNet.IsBackbone(model) && (train.Kind != DataKind.Images || train.ItemShape.Length != 3))
            throw new ArgumentException($"'{nameof(TrainerOptions.Model)}' is {ModelKinds.Name(model)}, which needs images, but the data holds {ModelInput.Describe(train.Kind, train.ItemShape)}; use mlp.", nameof(TrainerOptions.Model));
        if (!backbone)
        {
            string why = $"needs a pretrained-style backbone (--model {string.Join("|", BackboneNet.Kinds.Select(ModelKinds.Name))}), but the model is {ModelKinds.Name(model)}";
            if (o.Weights is not null) throw new ArgumentException($"'{nameof(TrainerOptions.Weights)}' {why}.", nameof(TrainerOptions.Weights));
            if (o.FreezeBackboneEpochs > 0) throw new ArgumentException($"'{nameof(TrainerOptions.FreezeBackboneEpochs)}' {why}.", nameof(TrainerOptions.FreezeBackboneEpochs));
            if (o.BackboneLrScale != 1) throw new ArgumentException($"'{nameof(TrainerOptions.BackboneLrScale)}' {why}.", nameof(TrainerOptions.BackboneLrScale));
            if (o.HeadBatchNorm) throw new ArgumentException($"'{nameof(TrainerOptions.HeadBatchNorm)}' {why}.", nameof(TrainerOptions.HeadBatchNorm));
        }
        bool imageNet = o.ImageNetNormalization || o.Weights is not null;
        if (imageNet && (train.Kind != DataKind.Images || train.ItemShape.Length != 3 || train.ItemShape[0] is not (1 or 3)))
            throw new ArgumentException($"'{nameof(TrainerOptions.ImageNetNormalization)}' needs grey or colour images, but the data holds {ModelInput.Describe(train.Kind, train.ItemShape)}.", nameof(TrainerOptions.ImageNetNormalization));
        if ((o.Augment != AugmentLevel.None || train.IsLazy) && (train.Kind != DataKind.Images || train.ItemShape.Length != 3 || train.ItemShape[0] is not (1 or 3) || train.ItemShape[1] != train.ItemShape[2]))
            throw new ArgumentException($"'{nameof(TrainerOptions.Augment)}' needs square grey or colour images, but the data holds {ModelInput.Describe(train.Kind, train.ItemShape)}.", nameof(TrainerOptions.Augment));
        if (train.IsLazy && o.MeasureFloor)
            throw new ArgumentException($"'{nameof(TrainerOptions.MeasureFloor)}' measures the step on data held in memory and cannot run on a lazily read folder ('{nameof(DataOptions.Lazy)}').", nameof(TrainerOptions.MeasureFloor));
        if (model == ModelKind.ConvNet && (train.ItemShape[1] < 4 || train.ItemShape[2] < 4))
            throw new ArgumentException($"'{nameof(DataOptions.ImageSize)}' gives {train.ItemShape[1]}×{train.ItemShape[2]} images, but the convnet needs at least 4×4 (two 2× poolings); read the images with an image size of 4 or more.", nameof(DataOptions.ImageSize));
        if (HeldOutTuples is not null && HeldOutTuples.ItemCount != train.Count)
            throw new ArgumentException($"'{nameof(HeldOutTuples)}' name items of a dataset of {HeldOutTuples.ItemCount}, but the training split has {train.Count}.", nameof(HeldOutTuples));
        int p = Sampler?.ClassesPerBatch ?? o.ClassesPerBatch, k = Sampler?.SamplesPerClass ?? o.SamplesPerClass;
        if (Tuples is not null) return ResolveTuples(o, model, imageNet);
        if (Relation is not null && o.MemorySize > 0)
            throw new ArgumentException($"'{nameof(TrainerOptions.MemorySize)}' (cross-batch memory) keeps class labels, not items, so it cannot use a custom '{nameof(Relation)}'.", nameof(TrainerOptions.MemorySize));
        int classes = train.Labels.Distinct().Count();
        if (p > classes)
            throw new ArgumentException($"'{nameof(TrainerOptions.ClassesPerBatch)}' is {p}, but the training data has only {classes} classes.", nameof(TrainerOptions.ClassesPerBatch));
        long batch = (long)p * k;
        if (batch > train.Count)
            throw new ArgumentException($"'{nameof(TrainerOptions.ClassesPerBatch)}' × '{nameof(TrainerOptions.SamplesPerClass)}' = {batch} is larger than the {train.Count} training items.", nameof(TrainerOptions.SamplesPerClass));
        return Common(o, model, imageNet) with
        {
            ClassesPerBatch = p,
            SamplesPerClass = k,
            BatchesPerEpoch = Sampler?.BatchesPerEpoch ?? o.BatchesPerEpoch ?? ClassBalancedSampler.DefaultBatchesPerEpoch(train.Count, batch),
            Miner = Miner?.Name ?? o.Miner,
        };
    }

    /// <summary>What both kinds of run resolve alike: the model, the loss's settings, threads and absolute paths.</summary>
    private TrainerOptions Common(TrainerOptions o, ModelKind model, bool imageNet) => o with
    {
        Model = model,
        Distance = Loss?.Distance.Name ?? o.Distance,
        Margin = (Loss as TripletMarginLoss)?.Margin ?? o.Margin,
        SoftMargin = (Loss as TripletMarginLoss)?.SoftMargin ?? o.SoftMargin,
        Reducer = Loss?.Reducer.Name ?? o.Reducer,
        Threads = o.Threads ?? torch.get_num_threads(),
        ImageNetNormalization = imageNet,
        Weights = o.Weights is null ? null : Path.GetFullPath(o.Weights),
        OutputDirectory = o.OutputDirectory is null ? null : Path.GetFullPath(o.OutputDirectory),
    };

    /// <summary>The options of a tuple run: no class checks (labels are not used), batches per epoch from the tuple sampler.</summary>
    private TrainerOptions ResolveTuples(TrainerOptions o, ModelKind model, bool imageNet)
    {
        if (o.MemorySize > 0)
            throw new ArgumentException($"'{nameof(TrainerOptions.MemorySize)}' (cross-batch memory) mines by class labels and does not apply to tuple training.", nameof(TrainerOptions.MemorySize));
        if (Relation is not null)
            throw new ArgumentException($"Give the trainer a '{nameof(Relation)}' or '{nameof(Tuples)}', not both: tuples say themselves which items are positives.", nameof(Relation));
        if (Sampler is not null)
            throw new ArgumentException($"Give the trainer a class-balanced sampler or '{nameof(Tuples)}', not both.", nameof(Tuples));
        return Common(o, model, imageNet) with { BatchesPerEpoch = Tuples!.BatchesPerEpoch };
    }

    /// <summary>The network for a run: the given module (kept by its owner), or a new one from the factory or the options (owned by the run).</summary>
    internal (nn.Module<Tensor, Tensor> Module, bool Owned) CreateModel(TrainerOptions o, long[] itemShape)
    {
        if (Model is not null) return (Model, false);
        if (ModelFactory is not null) return (ModelFactory(itemShape), true);
        return (new ModelArchitecture
        {
            Kind = o.Model!.Value,
            InputShape = itemShape,
            EmbeddingDim = o.EmbeddingDim,
            HiddenSizes = o.HiddenSizes,
            Normalize = o.Normalize,
            HeadBatchNorm = o.HeadBatchNorm,
        }.Create(), true);
    }

    /// <summary>The miner: one for every batch, or a per-batch factory (stochastic miners, so that resuming is exact).</summary>
    internal (BaseMiner? Fixed, Func<int, BaseMiner>? PerBatch) CreateMiner(TrainerOptions o, BaseDistance distance)
    {
        if (Miner is not null) return (Miner, null);
        if (MinerFactory is not null) return (null, MinerFactory);
        return ComponentRegistry.IsStochasticMiner(o.Miner)
            ? (null, ComponentRegistry.MinerFactory(o.Miner, o.Margin, distance))
            : (ComponentRegistry.CreateMiner(o.Miner, o.Margin, distance, o.Seed), null);
    }

    /// <summary>
    /// The optimiser of a run over <paramref name="model"/>, with the learning-rate scale of each parameter group (in
    /// group order): a backbone gets two groups, the backbone's (scale <see cref="TrainerOptions.BackboneLrScale"/>) and
    /// the head's (scale 1); any other network one group.
    /// </summary>
    internal OptimizerHelper CreateOptimizer(TrainerOptions o, nn.Module<Tensor, Tensor> model, out double[] groupScales)
    {
        if (OptimizerFactory is not null || model is not BackboneNet net)
        {
            var single = CreateOptimizer(o, model.parameters());
            groupScales = Enumerable.Repeat(1.0, single.ParamGroups.Count()).ToArray();
            return single;
        }
        groupScales = [o.BackboneLrScale, 1.0];
        var backbone = net.BackboneParameters();
        var head = net.HeadParameters();
        double backboneLr = o.LearningRate * o.BackboneLrScale;
        return o.Optimizer switch
        {
            OptimizerKind.Sgd => torch.optim.SGD(
                [new SGD.ParamGroup(backbone, backboneLr, momentum: o.Momentum, weight_decay: o.WeightDecay), new SGD.ParamGroup(head, o.LearningRate, momentum: o.Momentum, weight_decay: o.WeightDecay)],
                o.LearningRate, momentum: o.Momentum, weight_decay: o.WeightDecay),
            _ => torch.optim.Adam(
                [new Adam.ParamGroup(backbone, backboneLr, weight_decay: o.WeightDecay), new Adam.ParamGroup(head, o.LearningRate, weight_decay: o.WeightDecay)],
                o.LearningRate, weight_decay: o.WeightDecay),
        };
    }

    internal OptimizerHelper CreateOptimizer(TrainerOptions o, IEnumerable<Parameter> parameters)
    {
        if (OptimizerFactory is not null) return OptimizerFactory(parameters);
        return o.Optimizer switch
        {
            OptimizerKind.Sgd => torch.optim.SGD(parameters, o.LearningRate, momentum: o.Momentum, weight_decay: o.WeightDecay),
            _ => torch.optim.Adam(parameters, o.LearningRate, weight_decay: o.WeightDecay),
        };
    }

    internal void OnBatch(BatchProgress progress) => BatchCompleted?.Invoke(this, progress);

    internal void Say(string message) => Message?.Invoke(this, message);

    /// <summary>A 63-bit seed from (seed, epoch, batch) via SplitMix64, so each batch's randomness depends only on its position.</summary>
    internal static long MixSeed(int seed, int epoch, int batch)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)(uint)epoch << 32 | (uint)batch);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (long)((z ^ (z >> 31)) & 0x7FFF_FFFF_FFFF_FFFFUL);
    }

    internal static string LibraryVersion => typeof(Trainer).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}
