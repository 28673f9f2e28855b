using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Reporting;
using TripletSharp.Training;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary><c>triplet train</c>: binds the command line onto <see cref="DataOptions"/> and <see cref="TrainerOptions"/> and runs the <see cref="Trainer"/>.</summary>
internal static class TrainCommand
{
    public static Command Create(CliContext ctx)
    {
        var d = new TrainerOptions();
        var dd = new DataOptions();
        var data = Optional<string>("--data", "Dataset: an IDX folder, a folder of class sub-folders, or a CSV file (default: the bundled Fashion-MNIST sample).");
        var format = Choice("--format", "Data format.", "auto", FormatNames);
        var model = Choice("--model", "Architecture: convnet for images, mlp for vectors (auto picks by data kind).", "auto", ["auto", "convnet", "mlp"]);
        var embeddingDim = With("--embedding-dim", "Embedding dimension.", d.EmbeddingDim);
        var hidden = With("--hidden-sizes", "MLP hidden layer widths, comma-separated.", string.Join(",", d.HiddenSizes));
        var miner = Choice("--miner", "Triplet miner.", d.Miner, ComponentFactory.MinerNames);
        var distance = Choice("--distance", "Distance for mining, loss and evaluation.", d.Distance, ComponentFactory.DistanceNames);
        var margin = With("--margin", "Triplet margin (also the semi-hard band).", d.Margin);
        var softMargin = With("--soft-margin", "Use the soft-margin loss softplus(d_ap - d_an) instead of the hinge.", false);
        var reducer = Choice("--reducer", "How per-triplet losses are reduced.", d.Reducer, ComponentFactory.ReducerNames);
        var epochs = With("--epochs", "Passes over the training data.", d.Epochs);
        var p = With("--classes-per-batch", "P: classes per batch.", d.ClassesPerBatch);
        var k = With("--samples-per-class", "K: items per class in a batch.", d.SamplesPerClass);
        var batches = Optional<int?>("--batches-per-epoch", "Batches per epoch (default: training items / (P*K)).");
        var optimizer = Choice("--optimizer", "Optimiser.", "adam", ["adam", "sgd"]);
        var lr = With("--lr", "Learning rate.", d.LearningRate);
        var momentum = With("--momentum", "SGD momentum.", d.Momentum);
        var weightDecay = With("--weight-decay", "L2 weight decay.", d.WeightDecay);
        var schedule = Choice("--schedule", "Learning-rate schedule.", "cosine", ["constant", "cosine", "step"]);
        var seed = With("--seed", "Seed of initialisation, sampling and the data split.", d.Seed);
        var threads = Optional<int?>("--threads", "CPU threads (default: all cores).");
        var outDir = Optional<string>("--out", "Run folder (default: runs/<timestamp>).");
        var resume = With("--resume", "Continue the run in --out from its last checkpoint.", false);
        var checkpointEvery = With("--checkpoint-every", "Also checkpoint every N batches within an epoch (0: at epoch ends and on Ctrl+C).", d.CheckpointEveryBatches);
        var progress = Choice("--progress", "Progress display: a live bar on a terminal, plain lines for logs, or quiet.", "auto", ["auto", "bar", "plain", "quiet"]);
        var quiet = With("--quiet", "Print only the final summary (same as --progress quiet).", false);
        quiet.Aliases.Add("-q");
        var flip = With("--random-flip", "Images: mirror training items left-right at random (augmentation).", d.RandomFlip);
        var measureFloor = With("--measure-floor", "Time the floor beside training: after every batch, a copy of the model does forward+backward+optimiser step alone on the same batch (about doubles the epoch time).", false);
        var maxTrain = Optional<int?>("--max-train-items", "Use a class-balanced slice of at most N training items.");
        var maxTest = Optional<int?>("--max-test-items", "Use a class-balanced slice of at most N test items.");
        var testFraction = With("--test-fraction", "Test share when the data has no split of its own.", dd.TestFraction);
        var labelColumn = With("--label-column", "CSV: name of the label column.", dd.LabelColumn);
        var imageSize = With("--image-size", "Image folders: resize to N x N.", dd.ImageSize);
        var color = With("--color", "Image folders: read 3-channel colour instead of grey.", false);
        var tensorboard = Optional<string>("--tensorboard", "Also write TensorBoard event files (scalars per epoch, d_ap/d_an histograms) into this folder.");
        var noReport = With("--no-report", "Do not write report.html into the run folder.", false);
        var noTsne = With("--no-tsne", "Report without the t-SNE map (PCA only).", false);
        var tsneIterations = With("--report-tsne-iterations", "t-SNE iterations of the report's map (fewer than t-SNE's usual 1000 keep the automatic report quick).", 500);

        var command = new Command("train", "Train an embedding model with triplet loss; writes the model, config.json, history.csv and metrics.json into --out.")
        {
            data, format, model, embeddingDim, hidden, miner, distance, margin, softMargin, reducer, epochs, p, k, batches,
            optimizer, lr, momentum, weightDecay, schedule, seed, threads, outDir, resume, checkpointEvery, progress, quiet,
            flip, measureFloor, maxTrain, maxTest, testFraction, labelColumn, imageSize, color, tensorboard, noReport, noTsne, tsneIterations,
        };

        command.SetAction(parse =>
        {
            var resumeRun = parse.GetValue(resume);
            var outPath = parse.GetValue(outDir);
            if (resumeRun && outPath is null)
                throw new ArgumentException("'Resume' needs --out: the folder of the run to continue.", nameof(TrainerOptions.Resume));

            // On --resume, the run's saved configuration is the base and the command line only overrides what it names.
            RunConfig? saved = null;
            if (resumeRun && File.Exists(new RunLayout(outPath!).ConfigPath)) saved = RunConfig.Load(new RunLayout(outPath!).ConfigPath);
            var baseTrainer = saved?.Trainer ?? d;
            var baseData = saved?.Data is { } sd ? Clone(sd) : new DataOptions();

            var dataOptions = baseData;
            dataOptions.Path = Pick(parse, data, baseData.Path);
            if (Given(parse, format)) dataOptions.Format = ParseFormat(parse.GetValue(format)!);
            dataOptions.LabelColumn = Pick(parse, labelColumn, baseData.LabelColumn);
            dataOptions.TestFraction = Pick(parse, testFraction, baseData.TestFraction);
            dataOptions.ImageSize = Pick(parse, imageSize, baseData.ImageSize);
            if (Given(parse, color)) dataOptions.Grayscale = !parse.GetValue(color);
            dataOptions.MaxTrainItems = Pick(parse, maxTrain, baseData.MaxTrainItems);
            dataOptions.MaxTestItems = Pick(parse, maxTest, baseData.MaxTestItems);
            dataOptions.Seed = Pick(parse, seed, saved is null ? d.Seed : baseData.Seed);

            var options = baseTrainer with
            {
                Model = Given(parse, model) ? parse.GetValue(model) switch { "convnet" => ModelKind.ConvNet, "mlp" => ModelKind.Mlp, _ => null } : baseTrainer.Model,
                EmbeddingDim = Pick(parse, embeddingDim, baseTrainer.EmbeddingDim),
                HiddenSizes = Given(parse, hidden) ? ParseSizes(parse.GetValue(hidden)!) : baseTrainer.HiddenSizes,
                Miner = Pick(parse, miner, baseTrainer.Miner),
                Distance = Pick(parse, distance, baseTrainer.Distance),
                Margin = Pick(parse, margin, baseTrainer.Margin),
                SoftMargin = Pick(parse, softMargin, baseTrainer.SoftMargin),
                Reducer = Pick(parse, reducer, baseTrainer.Reducer),
                Epochs = Pick(parse, epochs, baseTrainer.Epochs),
                ClassesPerBatch = Pick(parse, p, baseTrainer.ClassesPerBatch),
                SamplesPerClass = Pick(parse, k, baseTrainer.SamplesPerClass),
                BatchesPerEpoch = Pick(parse, batches, baseTrainer.BatchesPerEpoch),
                Optimizer = Given(parse, optimizer) ? (parse.GetValue(optimizer) == "sgd" ? OptimizerKind.Sgd : OptimizerKind.Adam) : baseTrainer.Optimizer,
                LearningRate = Pick(parse, lr, baseTrainer.LearningRate),
                Momentum = Pick(parse, momentum, baseTrainer.Momentum),
                WeightDecay = Pick(parse, weightDecay, baseTrainer.WeightDecay),
                Schedule = Given(parse, schedule) ? Enum.Parse<LearningRateSchedule>(parse.GetValue(schedule)!, ignoreCase: true) : baseTrainer.Schedule,
                Seed = Pick(parse, seed, baseTrainer.Seed),
                Threads = Pick(parse, threads, saved is null ? null : baseTrainer.Threads),
                OutputDirectory = outPath ?? RunLayout.DefaultDirectory(),
                Resume = resumeRun,
                CheckpointEveryBatches = Pick(parse, checkpointEvery, baseTrainer.CheckpointEveryBatches),
                MeasureFloor = Pick(parse, measureFloor, baseTrainer.MeasureFloor),
                RandomFlip = Pick(parse, flip, baseTrainer.RandomFlip),
            };
            options.Validate();

            var mode = parse.GetValue(quiet) ? ProgressMode.Quiet : Enum.Parse<ProgressMode>(parse.GetValue(progress)!, ignoreCase: true);
            var display = new ConsoleProgress(ctx.Out, mode, ctx.IsTerminal);
            using var split = DatasetLoader.Load(dataOptions);
            display.WriteLine($"data: {Describe(split)}");
            var trainer = new Trainer(options);
            var resolved = trainer.Resolve(split);
            display.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run: {resolved.OutputDirectory}  ({resolved.Model?.ToString().ToLowerInvariant()} {resolved.EmbeddingDim}-d, {resolved.Miner}, {resolved.Distance}, margin {resolved.Margin}, P×K {resolved.ClassesPerBatch}×{resolved.SamplesPerClass}, {resolved.BatchesPerEpoch} batches/epoch, {resolved.Epochs} epochs, {resolved.Optimizer.ToString().ToLowerInvariant()} lr {resolved.LearningRate}, {resolved.Threads} threads, seed {resolved.Seed})"));
            display.Attach(trainer);
            var tbDir = parse.GetValue(tensorboard);
            var report = new RunReport(tbDir is null ? null : new TensorBoardLogger(tbDir));
            report.Attach(trainer);

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.CancellationToken);
            int signal = 0;
            void OnSignal(PosixSignalContext c, int number)
            {
                if (cts.IsCancellationRequested) return; // a second signal terminates at once
                c.Cancel = true;
                signal = number;
                cts.Cancel();
            }
            using var sigint = ctx.HandleSignals ? PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, 2)) : null;
            using var sigterm = ctx.HandleSignals ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, 15)) : null;

            TrainingResult result;
            try
            {
                result = trainer.Fit(split, dataOptions, cts.Token);
            }
            finally
            {
                display.ClearBar();
            }
            if (result.Status == TrainingStatus.Interrupted)
            {
                ctx.Err.WriteLine($"triplet train: interrupted at epoch {result.StoppedEpoch}, batch {result.StoppedBatch}; checkpoint saved. Resume with: triplet train --out {Quote(result.Run.Directory)} --resume");
                return signal == 15 ? ExitCodes.Terminated : ExitCodes.Interrupted;
            }
            if (!parse.GetValue(noReport) && result.BestMetrics is not null)
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                int iterations = parse.GetValue(tsneIterations);
                var reportOptions = new ReportOptions
                {
                    Seed = resolved.Seed,
                    ComputeTsne = !parse.GetValue(noTsne),
                    Tsne = new TsneOptions { Iterations = iterations, ExaggerationIterations = Math.Min(250, iterations / 4) },
                };
                var reportPath = RunReport.WriteForRun(result.Run.Directory, split.Test, reportOptions);
                display.WriteLine(string.Create(CultureInfo.InvariantCulture, $"report: {reportPath} ({watch.Elapsed.TotalSeconds:0.0} s)"));
            }
            var m = result.BestMetrics;
            ctx.Out.WriteLine(m is null
                ? $"done: model saved to {result.Run.ModelDirectory}"
                : string.Create(CultureInfo.InvariantCulture,
                    $"done: best epoch {result.BestEpoch}: precision_at_1 {m.PrecisionAt1:F4}, r_precision {m.RPrecision:F4}, map_at_r {m.MapAtR:F4}; model {result.Run.ModelDirectory}, metrics {result.Run.MetricsPath}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static string Quote(string path) => path.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$') ? $"'{path.Replace("'", "'\\''")}'" : path;
}
