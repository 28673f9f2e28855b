using System.CommandLine;
using System.Globalization;
using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Recommendation;
using TripletSharp.Reporting;
using TripletSharp.Training;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary>
/// <c>triplet train --format interactions</c>: user and item vectors by Collaborative Metric Learning
/// (<see cref="CmlTrainer"/>), evaluated beside the baselines on the same split; the options of this format are rows of
/// the train command's table (declared here once).
/// </summary>
internal static class InteractionsTraining
{
    /// <summary>The <c>--format</c> value.</summary>
    public const string FormatName = "interactions";

    /// <summary>Options of the train table that apply to interactions too (the rest are refused with this format).</summary>
    private static readonly HashSet<string> Shared =
    [
        nameof(DataOptions.Path), nameof(DataOptions.Format), nameof(TrainerOptions.EmbeddingDim), nameof(TrainerOptions.Margin), nameof(TrainerOptions.Epochs),
        nameof(TrainerOptions.LearningRate), nameof(TrainerOptions.Seed), nameof(TrainerOptions.Threads), nameof(TrainerOptions.OutputDirectory),
        nameof(TrainSettings.Progress), "Quiet", nameof(TrainSettings.TensorBoard), nameof(DataOptions.TestFraction), "NoReport",
    ];

    /// <summary>The interactions-only rows of the train table.</summary>
    internal sealed record Rows(Option<string> UserColumn, Option<string> ItemColumn, Option<string> RatingColumn, Option<string> TimeColumn,
        Option<double> PositiveThreshold, Option<string> Split, Option<string> Negatives, Option<int> NegativesPerPositive, Option<int> BatchSize, Option<bool> RankWeighted)
    {
        public IEnumerable<string> Properties => [nameof(InteractionsOptions.UserColumn), nameof(InteractionsOptions.ItemColumn), nameof(InteractionsOptions.RatingColumn),
            nameof(InteractionsOptions.TimeColumn), nameof(InteractionsOptions.PositiveThreshold), "Split", nameof(CmlOptions.Negatives), nameof(CmlOptions.NegativesPerPositive), nameof(CmlOptions.BatchSize), nameof(CmlOptions.RankWeighted)];
    }

    /// <summary>Adds the interactions rows to the train table.</summary>
    public static Rows AddTo(OptionTable t)
    {
        var io = new InteractionsOptions();
        var co = new CmlOptions();
        return new Rows(
            t.Add(With("--user-column", "Interactions: column of the user id.", io.UserColumn), nameof(InteractionsOptions.UserColumn)),
            t.Add(With("--item-column", "Interactions: column of the item id.", io.ItemColumn), nameof(InteractionsOptions.ItemColumn)),
            t.Add(With("--rating-column", "Interactions: column of the rating (absent from the file: every row is a positive).", io.RatingColumn), nameof(InteractionsOptions.RatingColumn)),
            t.Add(With("--time-column", "Interactions: column of the timestamp (needed by --split leave-last-out and time).", io.TimeColumn), nameof(InteractionsOptions.TimeColumn)),
            t.Add(With("--positive-threshold", "Interactions: a rating at or above this is a positive.", io.PositiveThreshold), nameof(InteractionsOptions.PositiveThreshold)),
            t.Add(Choice("--split", "Interactions: hold out each user's last positive by time, everything after a global time cut (--test-fraction), or a random --test-fraction of each user's positives.", "leave-last-out", ["leave-last-out", "time", "random"]), "Split"),
            t.Add(Choice("--negatives", "Interactions: negative items drawn uniformly, by popularity, or the hardest of the batch's other positives.", "uniform", ["uniform", "popularity", "in-batch-hard"]), nameof(CmlOptions.Negatives)),
            t.Add(With("--negatives-per-positive", "Interactions: negatives drawn per (user, positive) pair; the hardest is used (uniform, popularity).", co.NegativesPerPositive), nameof(CmlOptions.NegativesPerPositive)),
            t.Add(With("--batch-size", "Interactions: (user, positive item) pairs per batch.", co.BatchSize), nameof(CmlOptions.BatchSize)),
            t.Add(With("--rank-weighted", "Interactions: weigh each pair by log(1 + its estimated rank), CML's WARP weight (uniform, popularity); --rank-weighted false for the plain hinge.", co.RankWeighted), nameof(CmlOptions.RankWeighted)));
    }

    /// <summary>Refuses the interactions-only options on a run of another format (they would be ignored silently).</summary>
    public static void RefuseWithoutFormat(OptionTable table, Rows rows, ParseResult parse)
    {
        foreach (var property in table.GivenProperties(parse).Intersect(rows.Properties))
            throw new ArgumentException($"{table.OptionFor(property)!.Name} applies only to --format interactions.", property);
    }

    /// <summary>Trains, evaluates beside the baselines and writes the run folder.</summary>
    public static int Run(CliContext ctx, OptionTable<TrainSettings> table, Rows rows, ParseResult parse)
    {
        var given = table.GivenProperties(parse);
        foreach (var property in given)
            if (!Shared.Contains(property) && !rows.Properties.Contains(property))
                throw new ArgumentException($"{table.OptionFor(property)!.Name} does not apply to --format interactions.", property);
        var s = table.Bind(parse, new TrainSettings());
        if (s.Trainer.Resume) throw new ArgumentException("--resume does not apply to --format interactions (a run trains in minutes; start it again).", nameof(TrainerOptions.Resume));
        var path = s.Data.Path ?? throw new ArgumentException("--format interactions needs --data: a CSV of user, item, rating and time columns.", nameof(DataOptions.Path));
        var defaults = new CmlOptions();
        var options = new CmlOptions
        {
            EmbeddingDim = given.Contains(nameof(TrainerOptions.EmbeddingDim)) ? s.Trainer.EmbeddingDim : defaults.EmbeddingDim,
            Margin = given.Contains(nameof(TrainerOptions.Margin)) ? s.Trainer.Margin : defaults.Margin,
            Epochs = given.Contains(nameof(TrainerOptions.Epochs)) ? s.Trainer.Epochs : defaults.Epochs,
            LearningRate = given.Contains(nameof(TrainerOptions.LearningRate)) ? s.Trainer.LearningRate : defaults.LearningRate,
            Seed = s.Trainer.Seed,
            // A CML step is a few small tensors: one thread is fastest (2 threads ran an epoch in 66 s instead of 2 s on
            // the loaded 2-core machine); --threads still sets it.
            Threads = Math.Min(s.Trainer.Threads ?? 1, Environment.ProcessorCount),
            Negatives = parse.GetValue(rows.Negatives) switch { "popularity" => NegativeSampling.Popularity, "in-batch-hard" => NegativeSampling.InBatchHard, _ => NegativeSampling.Uniform },
            NegativesPerPositive = parse.GetValue(rows.NegativesPerPositive),
            BatchSize = parse.GetValue(rows.BatchSize),
            RankWeighted = parse.GetValue(rows.RankWeighted),
        };
        options.Validate();
        var readOptions = new InteractionsOptions
        {
            UserColumn = parse.GetValue(rows.UserColumn)!,
            ItemColumn = parse.GetValue(rows.ItemColumn)!,
            RatingColumn = parse.GetValue(rows.RatingColumn)!,
            TimeColumn = parse.GetValue(rows.TimeColumn)!,
            PositiveThreshold = parse.GetValue(rows.PositiveThreshold),
        };
        readOptions.Validate();
        var mode = parse.GetValue(rows.Split) switch { "time" => InteractionsSplitMode.Time, "random" => InteractionsSplitMode.Random, _ => InteractionsSplitMode.LeaveLastOut };
        var run = new RunFolder(s.Trainer.OutputDirectory ?? RunFolder.DefaultDirectory());
        var display = new ConsoleProgress(ctx.Out, s.Progress, ctx.IsTerminal);

        var data = InteractionsReader.Read(path, readOptions);
        if (data.DuplicateRows > 0) ctx.Err.WriteLine($"triplet train: note: {data.DuplicateRows} row(s) repeated a (user, item) pair of {path}; the latest of each was kept.");
        if (data.OutOfOrderRows > 0) display.WriteLine($"note: {data.OutOfOrderRows} row(s) of {path} are earlier than the row before them; the split orders by time.");
        var split = InteractionsSplitter.Split(data, mode, s.Data.TestFraction, s.Trainer.Seed);
        if (split.UsersWithoutPositives > 0) ctx.Err.WriteLine($"triplet train: note: {split.UsersWithoutPositives} user(s) have no rating ≥ {readOptions.PositiveThreshold.ToString(CultureInfo.InvariantCulture)}; skipped.");
        if (split.UsersWithoutTraining > 0) ctx.Err.WriteLine($"triplet train: note: {split.UsersWithoutTraining} user(s) would have no training positive after the {parse.GetValue(rows.Split)} split; not evaluated.");
        if (split.EvaluatedUsers.Length == 0) throw new DataFormatException(path, "the split leaves no user with both training and held-out positives; nothing can be evaluated.");
        display.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"data: {path} (interactions): {data.UserCount} users, {data.ItemCount} items, {data.Count} interactions, {data.PositiveCount} positives; {parse.GetValue(rows.Split)} split: {split.TrainPositiveCount} train / {split.TestPositiveCount} held-out positives, {split.EvaluatedUsers.Length} users evaluated"));
        display.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run: {run.Directory}  (cml {options.EmbeddingDim}-d, euclidean, margin {options.Margin}, {parse.GetValue(rows.Negatives)} negatives ×{options.NegativesPerPositive}, batch {options.BatchSize}, {options.Epochs} epochs, adam lr {options.LearningRate}, {options.Threads} threads, seed {options.Seed})"));

        Directory.CreateDirectory(run.Directory);
        using var runLock = run.Lock();
        var tensorBoard = s.TensorBoard is null ? null : new TensorBoardLogger(s.TensorBoard);
        var history = new List<CmlEpoch>();
        var trainer = new CmlTrainer(options);
        trainer.EpochCompleted += (_, e) =>
        {
            history.Add(e);
            AtomicFile.WriteAllText(run.HistoryPath, "epoch,loss,active_share,seconds\n" + string.Concat(history.Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Epoch},{h.Loss:R},{h.ActiveShare:R},{h.Seconds:R}\n"))));
            tensorBoard?.LogScalars(e.Epoch, new Dictionary<string, double> { ["loss"] = e.Loss, ["active_share"] = e.ActiveShare }, "train/");
            display.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {e.Epoch}/{e.Epochs}: loss {e.Loss:F4}, active {e.ActiveShare:P1}, {e.Seconds:F1} s"));
        };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var model = trainer.Fit(split, ctx.CancellationToken);
        double seconds = watch.Elapsed.TotalSeconds;
        model.Save(run.ModelDirectory, options);
        if (ctx.CancellationToken.IsCancellationRequested)
        {
            ctx.Err.WriteLine($"triplet train: interrupted after epoch {history.Count}; the model so far is saved in {run.ModelDirectory} (not evaluated).");
            return ExitCodes.Interrupted;
        }
        var results = new List<RecommenderMetrics> { RecommendationEvaluator.Evaluate(model, split) };
        results.AddRange(RecommendationEvaluator.Baselines(split, options.Seed).Select(b => RecommendationEvaluator.Evaluate(b, split)));
        var metrics = RecommendationMetrics.Describe(split) with
        {
            TrainingSeconds = seconds,
            Epochs = history.Count,
            FinalLoss = history.Count == 0 ? double.NaN : history[^1].Loss,
            Recommenders = results,
        };
        metrics.Save(run.MetricsPath);
        foreach (var r in results)
            foreach (var m in r.Metrics)
                tensorBoard?.LogScalars(history.Count, new Dictionary<string, double> { ["recall"] = m.Recall, ["ndcg"] = m.Ndcg }, $"{r.Name}/at_{m.K}/");
        WriteTable(ctx.Out, results);
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done: trained in {seconds:F1} s; model {run.ModelDirectory}, metrics {run.MetricsPath}"));
        return ExitCodes.Ok;
    }

    /// <summary>The recommenders side by side: one row each, the metrics at every K as columns.</summary>
    internal static void WriteTable(TextWriter o, IReadOnlyList<RecommenderMetrics> results)
    {
        var ks = results[0].Metrics.Select(m => m.K).ToList();
        var columns = ks.SelectMany(k => new (string Name, Func<RankingMetrics, double> Value)[]
        {
            ($"recall@{k}", m => m.Recall), ($"ndcg@{k}", m => m.Ndcg), ($"map@{k}", m => m.Map), ($"hit@{k}", m => m.HitRate), ($"mrr@{k}", m => m.Mrr), ($"cov@{k}", m => m.Coverage),
        }.Select(c => (c.Name, K: k, c.Value))).ToList();
        o.WriteLine("recommender   " + string.Join(" ", columns.Select(c => c.Name.PadLeft(9))));
        foreach (var r in results)
            o.WriteLine(r.Name.PadRight(13) + " " + string.Join(" ", columns.Select(c => c.Value(r.At(c.K)).ToString("F4", CultureInfo.InvariantCulture).PadLeft(9))));
    }
}
