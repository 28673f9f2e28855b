using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Reporting;
using TripletSharp.Components;
using TripletSharp.Training;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary><c>triplet train</c>: binds the command line onto <see cref="TrainSettings"/> and runs the <see cref="Trainer"/>.</summary>
internal static class TrainCommand
{
    /// <summary>Every option of <c>triplet train</c>, once: declaration, the library property it sets, and its binding.</summary>
    public static OptionTable<TrainSettings> Options()
    {
        var d = new TrainerOptions();
        var dd = new DataOptions();
        var t = new OptionTable<TrainSettings>();
        t.Add(Optional<string>("--data", "Dataset: an IDX folder, a folder of class sub-folders, or a CSV file (default: the bundled Fashion-MNIST sample)."),
            nameof(DataOptions.Path), (s, v) =>
            {
                if (v is null) return;
                if (v.Length == 0) throw new ArgumentException($"'{nameof(DataOptions.Path)}' is empty; give a data folder or CSV file, or leave --data out for the bundled sample.", nameof(DataOptions.Path));
                // Stored absolute, so eval, embed, report and the printed resume command work from any folder.
                s.DataAsGiven = v;
                s.Data = s.Data with { Path = Path.GetFullPath(v) };
            });
        t.Add(Choice("--format", "Data format (interactions: a user–item ratings CSV, see --user-column).", FormatName(dd.Format), [.. FormatNames, InteractionsTraining.FormatName]),
            nameof(DataOptions.Format), (s, v) => s.Data = s.Data with { Format = ParseFormat(v) });
        t.Add(CommonOptions.Classes(),
            nameof(DataOptions.Classes), (s, v) => s.Data = s.Data with { Classes = CommonOptions.ParseClasses(v) is { Length: > 0 } c ? c : null });
        t.Add(Choice("--model", "Architecture: a TorchVision backbone (resnet18, resnet34, resnet50, mobilenet_v2, mobilenet_v3_small, mobilenet_v3_large) with an embedding head, convnet for images, mlp for vectors (auto picks convnet or mlp by data kind).", "auto", ["auto", .. ModelKinds.Names]),
            nameof(TrainerOptions.Model), (s, v) => s.Trainer = s.Trainer with { Model = v == "auto" ? null : ModelKinds.Parse(v) });
        t.Add(With("--embedding-dim", "Embedding dimension.", d.EmbeddingDim),
            nameof(TrainerOptions.EmbeddingDim), (s, v) => s.Trainer = s.Trainer with { EmbeddingDim = v });
        t.Add(With("--head-batchnorm", "Backbones: BatchNorm1d after the embedding head's Linear layer.", d.HeadBatchNorm),
            nameof(TrainerOptions.HeadBatchNorm), (s, v) => s.Trainer = s.Trainer with { HeadBatchNorm = v });
        t.Add(Optional<string>("--weights", "Backbones: pretrained weights saved by PyTorch (torch.save(model.state_dict()), .pt/.pth) or .safetensors; the classifier's keys are dropped. Implies --imagenet-normalization."),
            nameof(TrainerOptions.Weights), (s, v) => s.Trainer = s.Trainer with { Weights = v });
        t.Add(With("--imagenet-normalization", "Standardise images with the ImageNet mean/std (as pretrained backbones expect) instead of the training data's own; recorded in model.json.", d.ImageNetNormalization),
            nameof(TrainerOptions.ImageNetNormalization), (s, v) => s.Trainer = s.Trainer with { ImageNetNormalization = v });
        t.Add(With("--freeze-backbone-epochs", "Backbones: train only the head for the first N epochs (backbone frozen, its BatchNorm in eval mode).", d.FreezeBackboneEpochs),
            nameof(TrainerOptions.FreezeBackboneEpochs), (s, v) => s.Trainer = s.Trainer with { FreezeBackboneEpochs = v });
        t.Add(With("--backbone-lr-scale", "Backbones: the backbone's learning rate as a fraction of the head's.", d.BackboneLrScale),
            nameof(TrainerOptions.BackboneLrScale), (s, v) => s.Trainer = s.Trainer with { BackboneLrScale = v });
        t.Add(With("--warmup-epochs", "Linear learning-rate warm-up over the first N epochs.", d.WarmupEpochs),
            nameof(TrainerOptions.WarmupEpochs), (s, v) => s.Trainer = s.Trainer with { WarmupEpochs = v });
        t.Add(With("--hidden-sizes", "MLP hidden layer widths, comma-separated.", string.Join(",", d.HiddenSizes)),
            nameof(TrainerOptions.HiddenSizes), (s, v) => s.Trainer = s.Trainer with { HiddenSizes = ParseSizes(v) });
        t.Add(Choice("--miner", "Triplet miner.", d.Miner, ComponentRegistry.MinerNames),
            nameof(TrainerOptions.Miner), (s, v) => s.Trainer = s.Trainer with { Miner = v });
        t.Add(Choice("--distance", "Distance for mining, loss and evaluation.", d.Distance, ComponentRegistry.DistanceNames),
            nameof(TrainerOptions.Distance), (s, v) => s.Trainer = s.Trainer with { Distance = v });
        t.Add(With("--margin", "Triplet margin (also the semi-hard band).", d.Margin),
            nameof(TrainerOptions.Margin), (s, v) => s.Trainer = s.Trainer with { Margin = v });
        t.Add(With("--soft-margin", "Use the soft-margin loss softplus(d_ap - d_an) instead of the hinge.", d.SoftMargin),
            nameof(TrainerOptions.SoftMargin), (s, v) => s.Trainer = s.Trainer with { SoftMargin = v });
        t.Add(Choice("--reducer", "How per-triplet losses are reduced.", d.Reducer, ComponentRegistry.ReducerNames),
            nameof(TrainerOptions.Reducer), (s, v) => s.Trainer = s.Trainer with { Reducer = v });
        t.Add(With("--memory-size", "Cross-batch memory: mine each batch against the last M training embeddings too (0: off; semihard, hard, batch-all, batch-hard).", d.MemorySize),
            nameof(TrainerOptions.MemorySize), (s, v) => s.Trainer = s.Trainer with { MemorySize = v });
        t.Add(With("--memory-warmup", "Cross-batch memory: batches trained without it before it is used.", d.MemoryWarmupBatches),
            nameof(TrainerOptions.MemoryWarmupBatches), (s, v) => s.Trainer = s.Trainer with { MemoryWarmupBatches = v });
        t.Add(With("--epochs", "Passes over the training data.", d.Epochs),
            nameof(TrainerOptions.Epochs), (s, v) => s.Trainer = s.Trainer with { Epochs = v });
        t.Add(With("--classes-per-batch", "P: classes per batch.", d.ClassesPerBatch),
            nameof(TrainerOptions.ClassesPerBatch), (s, v) => s.Trainer = s.Trainer with { ClassesPerBatch = v });
        t.Add(With("--samples-per-class", "K: items per class in a batch.", d.SamplesPerClass),
            nameof(TrainerOptions.SamplesPerClass), (s, v) => s.Trainer = s.Trainer with { SamplesPerClass = v });
        t.Add(Optional<int?>("--batches-per-epoch", "Batches per epoch (default: training items / (P*K))."),
            nameof(TrainerOptions.BatchesPerEpoch), (s, v) => s.Trainer = s.Trainer with { BatchesPerEpoch = v });
        t.Add(Choice("--optimizer", "Optimiser.", Name(d.Optimizer), Enum.GetNames<OptimizerKind>().Select(n => n.ToLowerInvariant())),
            nameof(TrainerOptions.Optimizer), (s, v) => s.Trainer = s.Trainer with { Optimizer = Enum.Parse<OptimizerKind>(v, ignoreCase: true) });
        t.Add(With("--lr", "Learning rate.", d.LearningRate),
            nameof(TrainerOptions.LearningRate), (s, v) => s.Trainer = s.Trainer with { LearningRate = v });
        t.Add(With("--momentum", "SGD momentum.", d.Momentum),
            nameof(TrainerOptions.Momentum), (s, v) => s.Trainer = s.Trainer with { Momentum = v });
        t.Add(With("--weight-decay", "L2 weight decay.", d.WeightDecay),
            nameof(TrainerOptions.WeightDecay), (s, v) => s.Trainer = s.Trainer with { WeightDecay = v });
        t.Add(Choice("--schedule", "Learning-rate schedule.", Name(d.Schedule), Enum.GetNames<LearningRateSchedule>().Select(n => n.ToLowerInvariant())),
            nameof(TrainerOptions.Schedule), (s, v) => s.Trainer = s.Trainer with { Schedule = Enum.Parse<LearningRateSchedule>(v, ignoreCase: true) });
        t.Add(Optional<int?>("--step-epochs", "Step schedule: epochs between decays (default: a third of the epochs)."),
            nameof(TrainerOptions.StepEpochs), (s, v) => s.Trainer = s.Trainer with { StepEpochs = v });
        t.Add(With("--step-gamma", "Step schedule: factor applied to the learning rate at every decay.", d.StepGamma),
            nameof(TrainerOptions.StepGamma), (s, v) => s.Trainer = s.Trainer with { StepGamma = v });
        t.Add(With("--seed", "Seed of initialisation, sampling and the data split.", d.Seed),
            nameof(TrainerOptions.Seed), (s, v) => { s.Trainer = s.Trainer with { Seed = v }; s.Data = s.Data with { Seed = v }; });
        t.Add(Optional<int?>("--threads", "CPU threads (default: all cores)."),
            nameof(TrainerOptions.Threads), (s, v) => s.Trainer = s.Trainer with { Threads = v });
        t.Add(Optional<string>("--out", "Run folder (default: runs/<timestamp>)."),
            nameof(TrainerOptions.OutputDirectory), (s, v) =>
            {
                if (v is not null && v.Length == 0) throw new ArgumentException($"'{nameof(TrainerOptions.OutputDirectory)}' is empty; give a folder for the run, or leave --out out for runs/<timestamp>.", nameof(TrainerOptions.OutputDirectory));
                s.Trainer = s.Trainer with { OutputDirectory = v };
            });
        t.Add(With("--resume", "Continue the run in --out from its last checkpoint.", d.Resume),
            nameof(TrainerOptions.Resume), (s, v) => s.Trainer = s.Trainer with { Resume = v });
        t.Add(With("--checkpoint-every", "Also checkpoint every N batches within an epoch (0: at epoch ends and on Ctrl+C).", d.CheckpointEveryBatches),
            nameof(TrainerOptions.CheckpointEveryBatches), (s, v) => s.Trainer = s.Trainer with { CheckpointEveryBatches = v });
        t.Add(Choice("--progress", "Progress display: a live bar on a terminal, plain lines for logs, or quiet.", Name(ProgressMode.Auto), Enum.GetNames<ProgressMode>().Select(n => n.ToLowerInvariant())),
            nameof(TrainSettings.Progress), (s, v) => s.Progress = Enum.Parse<ProgressMode>(v, ignoreCase: true));
        var quiet = t.Add(With("--quiet", "Print only the final summary (same as --progress quiet).", false),
            "Quiet", (s, v) => { if (v) s.Progress = ProgressMode.Quiet; });
        quiet.Aliases.Add("-q");
        t.Add(With("--random-flip", "Images: mirror training items left-right at random (augmentation).", d.RandomFlip),
            nameof(TrainerOptions.RandomFlip), (s, v) => s.Trainer = s.Trainer with { RandomFlip = v });
        t.Add(Choice("--precision", "Training step precision: fp32, or bf16-mixed (ConvNet: convolutions and matrix products in bfloat16 with float32 master weights, optimiser, loss and evaluation; falls back to fp32 with a notice where the CPU has no native bfloat16). Recorded in config.json and model.json.", TrainingPrecisions.Name(d.Precision), TrainingPrecisions.Names),
            nameof(TrainerOptions.Precision), (s, v) => s.Trainer = s.Trainer with { Precision = TrainingPrecisions.Parse(v) });
        t.Add(With("--measure-floor", "Time the floor beside training: after every batch, a copy of the model does forward+backward+optimiser step alone on the same batch (about doubles the epoch time).", d.MeasureFloor),
            nameof(TrainerOptions.MeasureFloor), (s, v) => s.Trainer = s.Trainer with { MeasureFloor = v });
        t.Add(Optional<int?>("--max-train-items", "Use a class-balanced slice of at most N training items."),
            nameof(DataOptions.MaxTrainItems), (s, v) => s.Data = s.Data with { MaxTrainItems = v });
        t.Add(Optional<int?>("--max-test-items", "Use a class-balanced slice of at most N test items."),
            nameof(DataOptions.MaxTestItems), (s, v) => s.Data = s.Data with { MaxTestItems = v });
        t.Add(With("--test-fraction", "Test share when the data has no split of its own.", dd.TestFraction),
            nameof(DataOptions.TestFraction), (s, v) => s.Data = s.Data with { TestFraction = v });
        t.Add(With("--label-column", "CSV: name of the label column.", dd.LabelColumn),
            nameof(DataOptions.LabelColumn), (s, v) => s.Data = s.Data with { LabelColumn = v });
        t.Add(With("--image-size", "Image folders: items are N x N (see --resize).", dd.ImageSize),
            nameof(DataOptions.ImageSize), (s, v) => s.Data = s.Data with { ImageSize = v });
        t.Add(With("--color", "Image folders: read 3-channel colour instead of grey.", !dd.Grayscale),
            nameof(DataOptions.Grayscale), (s, v) => s.Data = s.Data with { Grayscale = !v });
        t.Add(Choice("--resize", "Image folders: crop = the shorter side scaled to N, then a centre crop (the aspect ratio kept); stretch = each image stretched to N x N. Recorded in model.json for eval, embed, index and serve (a model saved before this was recorded stretches).", Name(dd.Resize), Enum.GetNames<ImageResize>().Select(n => n.ToLowerInvariant())),
            nameof(DataOptions.Resize), (s, v) => s.Data = s.Data with { Resize = Enum.Parse<ImageResize>(v, ignoreCase: true) });
        t.Add(With("--lazy", "Image folders: keep only the file list and decode each batch's images on worker threads ahead of the step (a folder larger than memory trains).", dd.Lazy),
            nameof(DataOptions.Lazy), (s, v) => s.Data = s.Data with { Lazy = v });
        t.Add(Choice("--augment", "Images: training augmentation. none; light = random resized crop of 50-100% of the area + flip; standard = crop of 8-100% + flip + colour jitter 0.4. Seeded per epoch and batch, so resuming is exact.", Name(d.Augment), Enum.GetNames<AugmentLevel>().Select(n => n.ToLowerInvariant())),
            nameof(TrainerOptions.Augment), (s, v) => s.Trainer = s.Trainer with { Augment = Enum.Parse<AugmentLevel>(v, ignoreCase: true) });
        t.Add(With("--multi-label-folders", "Image folders: the same file (same path below its class folder, identical pixels) in several class folders is one item with several labels.", false),
            nameof(DataOptions.MultiLabelFolders), (s, v) => s.Data = s.Data with { MultiLabelFolders = v ? true : null });
        t.Add(Optional<string>("--tuples", "Train from a CSV of explicit tuples instead of class labels: 'anchor,positive,negative' (that header first) or 'a,b,same' pairs (same 1/0), naming training items by path relative to the data root or record id (IDX: 17 or train/17; CSV: 0-based data row)."),
            nameof(TrainSettings.Tuples), (s, v) => s.Tuples = v);
        t.Add(Choice("--tuple-negatives", "Tuples: extra negatives mined among each batch's own items (outside the anchor's group of positives).", "semi-hard", ComponentRegistry.TupleNegativesNames),
            nameof(TrainSettings.TupleNegatives), (s, v) => s.TupleNegatives = v);
        t.Add(With("--tuple-test-fraction", "Tuples: share held out by tuple (seeded) and scored after training: triplet accuracy, or pair verification.", 0.1),
            nameof(TrainSettings.TupleTestFraction), (s, v) =>
            {
                if (!(v >= 0 && v < 1)) throw new ArgumentOutOfRangeException("TupleTestFraction", v, $"--tuple-test-fraction must be in [0, 1), got {v}.");
                s.TupleTestFraction = v;
            });
        t.Add(Optional<string>("--tensorboard", "Also write TensorBoard event files (scalars per epoch, d_ap/d_an histograms) into this folder."),
            nameof(TrainSettings.TensorBoard), (s, v) => s.TensorBoard = v);
        t.Add(With("--no-report", "Do not write report.html into the run folder.", false),
            "NoReport", (s, v) => s.WriteReport = !v);
        t.Add(With("--no-resource-check", "Start even when the memory or disk estimate says the run does not fit this machine (no warning either).", false),
            nameof(TrainSettings.CheckResources), (s, v) => s.CheckResources = !v);
        t.Add(CommonOptions.NoTsne("Report without the t-SNE map (PCA only)."),
            nameof(ReportOptions.ComputeTsne), (s, v) => s.Report.ComputeTsne = !v);
        var tsne = t.Add(CommonOptions.TsneIterations("t-SNE iterations of the report's map (fewer than t-SNE's usual 1000 keep the automatic report quick).", 500),
            nameof(TsneOptions.Iterations), (s, v) => s.Report.TsneIterations = v);
        tsne.Aliases.Add("--report-tsne-iterations");
        return t;
    }

    public static Command Create(CliContext ctx)
    {
        var table = Options();
        var interactions = InteractionsTraining.AddTo(table);
        var command = table.CreateCommand("train", "Train an embedding model with triplet loss; writes the model, config.json, history.csv and metrics.json into --out.");
        command.SetAction(parse =>
        {
            if (parse.GetValue((Option<string>)table.OptionFor(nameof(DataOptions.Format))!) == InteractionsTraining.FormatName)
                return InteractionsTraining.Run(ctx, table, interactions, parse);
            InteractionsTraining.RefuseWithoutFormat(table, interactions, parse);
            return Run(ctx, Settings(table, parse));
        });
        return command;
    }

    /// <summary>
    /// The bound settings; on --resume, the run's saved configuration is the base and the options given again must match
    /// it (<see cref="ResumeMerge"/>).
    /// </summary>
    internal static TrainSettings Settings(OptionTable<TrainSettings> table, ParseResult parse)
    {
        var s = table.Bind(parse, new TrainSettings());
        if (s.Trainer.Resume && s.Trainer.OutputDirectory is null)
            throw new ArgumentException($"'{nameof(TrainerOptions.Resume)}' needs --out: the folder of the run to continue.", nameof(TrainerOptions.Resume));
        var configPath = s.Trainer.OutputDirectory is { } dir ? new RunFolder(dir).ConfigPath : null;
        if (s.Trainer.Resume && File.Exists(configPath))
        {
            var merged = ResumeMerge.Merge(RunConfig.Load(configPath), s.Trainer, s.Data, table.GivenProperties(parse), configPath);
            s.Trainer = merged.Trainer;
            s.Data = merged.Data;
        }
        // The library leaves torch's process-wide thread count alone unless asked; the tool asks for all cores by default.
        s.Trainer = s.Trainer with { OutputDirectory = s.Trainer.OutputDirectory ?? RunFolder.DefaultDirectory(), Threads = s.Trainer.Threads ?? Environment.ProcessorCount };
        // More threads than cores only adds contention (1000 threads ran 50× slower): cap, and say so.
        if (s.Trainer.Threads > Environment.ProcessorCount)
        {
            s.Notices.Add($"--threads {s.Trainer.Threads} is more than this machine's {Environment.ProcessorCount} cores; using {Environment.ProcessorCount}.");
            s.Trainer = s.Trainer with { Threads = Environment.ProcessorCount };
        }
        // Every option is checked here, before any data is read or any epoch is trained (the report's too).
        s.Trainer.Validate();
        s.Data.Validate();
        s.Report.ToOptions().Validate();
        CheckOutputPaths(s);
        return s;
    }

    /// <summary>--out and --tensorboard must be folders that can be created: not an existing file, nor under one.</summary>
    private static void CheckOutputPaths(TrainSettings s)
    {
        foreach (var (option, path) in new[] { ("OutputDirectory", s.Trainer.OutputDirectory), ("TensorBoard", s.TensorBoard) })
        {
            if (path is null) continue;
            var name = option == "TensorBoard" ? "--tensorboard" : "--out";
            if (path.Length == 0) throw new ArgumentException($"{name} is empty; give a folder.", option);
            for (var p = Path.GetFullPath(path); !string.IsNullOrEmpty(p); p = Path.GetDirectoryName(p))
            {
                if (File.Exists(p))
                    throw new ArgumentException(p == Path.GetFullPath(path)
                        ? $"{name} {path} is an existing file; give a folder (it is created when missing)."
                        : $"{name} {path} lies under {p}, which is a file, not a folder; give a folder path.", option);
                if (Directory.Exists(p)) break;
            }
        }
    }

    /// <summary>Whether <paramref name="inner"/> is <paramref name="outer"/> or lies inside it.</summary>
    internal static bool IsInside(string inner, string outer)
    {
        var a = Path.GetFullPath(inner).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var b = Path.GetFullPath(outer).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return a.StartsWith(b, StringComparison.Ordinal);
    }

    private static int Run(CliContext ctx, TrainSettings s)
    {
        var display = new ConsoleProgress(ctx.Out, s.Progress, ctx.IsTerminal);
        foreach (var notice in s.Notices) ctx.Err.WriteLine($"triplet train: note: {notice}");
        s.Data = s.Data with { Notice = line => ctx.Err.WriteLine($"triplet train: skipped {line}") };
        if (s.Data.Path is { } dataPath && Directory.Exists(dataPath) && IsInside(s.Trainer.OutputDirectory!, dataPath))
            ctx.Err.WriteLine($"triplet train: warning: --out {s.Trainer.OutputDirectory} lies inside --data {s.DataAsGiven ?? dataPath}; the run folder is skipped when the data is read, but keeping runs outside the dataset is safer.");
        // Memory and disk, estimated before any item is decoded: a run that cannot fit is refused, a large one said.
        if (s.CheckResources && ResourceCheck.ForTraining(s) is { } warning) ctx.Err.WriteLine($"triplet train: warning: {warning}");
        using var split = s.Tuples is null ? DatasetLoader.Load(s.Data) : DatasetLoader.LoadForTuples(s.Data);
        display.WriteLine($"data: {Describe(split)}{(s.DataAsGiven is { } given && given != split.Source ? $" (given as {given})" : "")}");
        var (trainer, tupleRunPart) = (new Trainer(s.Trainer), (string?)null);
        if (s.Tuples is not null)
        {
            (trainer, var tupleSummary, tupleRunPart) = TupleRun.Prepare(s, split);
            display.WriteLine(tupleSummary);
        }
        var resolved = trainer.Resolve(split);
        TupleRun.CheckOrRecord(s);
        // A tuple run draws batches from its tuples and mines only their extra negatives: the class miner and P×K are not used.
        display.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run: {resolved.OutputDirectory}  ({(resolved.Model is { } kind ? ModelKinds.Name(kind) : "")} {resolved.EmbeddingDim}-d, {(tupleRunPart is null ? $"{resolved.Miner}, " : "")}{resolved.Distance}, margin {resolved.Margin}, {tupleRunPart ?? $"P×K {resolved.ClassesPerBatch}×{resolved.SamplesPerClass}"}, {resolved.BatchesPerEpoch} batches/epoch, {resolved.Epochs} epochs, {resolved.Optimizer.ToString().ToLowerInvariant()} lr {resolved.LearningRate}, {resolved.Threads} threads, seed {resolved.Seed})"));
        display.Attach(trainer);
        new RunReport(s.TensorBoard is null ? null : new TensorBoardLogger(s.TensorBoard)).Attach(trainer);

        var (result, signal) = FitUntilDoneOrSignalled(ctx, trainer, split, s.Data, display);
        if (result.Status == TrainingStatus.Interrupted)
        {
            ctx.Err.WriteLine($"triplet train: interrupted at epoch {result.StoppedEpoch}, batch {result.StoppedBatch}; checkpoint saved. Resume with: triplet train --out {Quote(Path.GetFullPath(result.Run!.Directory))} --resume");
            return signal == 15 ? ExitCodes.Terminated : ExitCodes.Interrupted;
        }
        if (s.WriteReport && result.BestMetrics is not null)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            s.Report.Seed = resolved.Seed;
            var reportPath = RunReport.WriteForRun(result.Run!.Directory, split.Test, s.Report.ToOptions());
            display.WriteLine(string.Create(CultureInfo.InvariantCulture, $"report: {reportPath} ({watch.Elapsed.TotalSeconds:0.0} s)"));
        }
        if (result.TupleMetrics is { } tupleScore)
            ctx.Out.WriteLine(TupleRun.Line(tupleScore, $"{tupleScore.Count} held out of {s.Tuples}"));
        var m = result.BestMetrics;
        ctx.Out.WriteLine(m is null
            ? $"done: model saved to {result.Run!.ModelDirectory}"
            : string.Create(CultureInfo.InvariantCulture,
                $"done: best epoch {result.BestEpoch}: precision_at_1 {Metric(m.PrecisionAt1)}, r_precision {Metric(m.RPrecision)}, map_at_r {Metric(m.MapAtR)}; model {result.Run!.ModelDirectory}, metrics {result.Run!.MetricsPath}"));
        return ExitCodes.Ok;
    }

    /// <summary>Fits; SIGINT (2) or SIGTERM (15) stops training within a batch with a checkpoint, and a second one terminates at once.</summary>
    private static (TrainingResult Result, int Signal) FitUntilDoneOrSignalled(CliContext ctx, Trainer trainer, DatasetSplit split, DataOptions data, ConsoleProgress display)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.CancellationToken);
        int signal = 0;
        void OnSignal(PosixSignalContext c, int number)
        {
            if (cts.IsCancellationRequested) return;
            c.Cancel = true;
            signal = number;
            cts.Cancel();
        }
        using var sigint = ctx.HandleSignals ? PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, 2)) : null;
        using var sigterm = ctx.HandleSignals ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, 15)) : null;
        try
        {
            return (trainer.Fit(split, data, cts.Token), signal);
        }
        finally
        {
            display.ClearBar();
        }
    }

    private static string Metric(double v) => double.IsNaN(v) ? "n/a (cannot be computed)" : v.ToString("F4", CultureInfo.InvariantCulture);

    private static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    internal static string Quote(string path) => path.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$') ? $"'{path.Replace("'", "'\\''")}'" : path;
}
