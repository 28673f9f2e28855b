using System.CommandLine;
using System.Globalization;
using TripletSharp.Components;
using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Recommendation;
using TripletSharp.Training;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary>
/// <c>triplet train --format interactions</c>: binds the options of this format (rows of the train command's table,
/// declared here once) to <see cref="InteractionsRunOptions"/> and prints the progress of <see cref="InteractionsRun"/>,
/// which does the work.
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
        nameof(TrainSettings.Progress), "Quiet", nameof(TrainSettings.TensorBoard), nameof(DataOptions.TestFraction), "NoReport", nameof(TrainerOptions.Resume),
        nameof(TrainerOptions.HiddenSizes),
    ];

    /// <summary>The interactions-only rows of the train table.</summary>
    internal sealed record Rows(Option<string> UserColumn, Option<string> ItemColumn, Option<string> RatingColumn, Option<string> TimeColumn,
        Option<double> PositiveThreshold, Option<string> Split, Option<string> Negatives, Option<int> NegativesPerPositive, Option<int> BatchSize, Option<bool> RankWeighted,
        Option<string?> ItemFeatures, Option<string> ItemCategorical, Option<double> ItemIdDropout)
    {
        public IEnumerable<string> Properties => [nameof(InteractionsOptions.UserColumn), nameof(InteractionsOptions.ItemColumn), nameof(InteractionsOptions.RatingColumn),
            nameof(InteractionsOptions.TimeColumn), nameof(InteractionsOptions.PositiveThreshold), "Split", nameof(CmlOptions.Negatives), nameof(CmlOptions.NegativesPerPositive), nameof(CmlOptions.BatchSize), nameof(CmlOptions.RankWeighted),
            nameof(InteractionsRunOptions.ItemFeaturesPath), nameof(ItemFeaturesOptions.CategoricalColumns), nameof(ItemTowerOptions.IdDropout)];
    }

    /// <summary>Adds the interactions rows to the train table.</summary>
    public static Rows AddTo(OptionTable t)
    {
        var io = new InteractionsOptions();
        var co = new CmlOptions();
        var tower = new ItemTowerOptions();
        return new Rows(
            t.Add(With("--user-column", "Interactions: column of the user id.", io.UserColumn), nameof(InteractionsOptions.UserColumn)),
            t.Add(With("--item-column", "Interactions: column of the item id.", io.ItemColumn), nameof(InteractionsOptions.ItemColumn)),
            t.Add(With("--rating-column", "Interactions: column of the rating (absent from the file: every row is a positive).", io.RatingColumn), nameof(InteractionsOptions.RatingColumn)),
            t.Add(With("--time-column", "Interactions: column of the timestamp (needed by --split leave-last-out and time).", io.TimeColumn), nameof(InteractionsOptions.TimeColumn)),
            t.Add(With("--positive-threshold", "Interactions: a rating at or above this is a positive.", io.PositiveThreshold), nameof(InteractionsOptions.PositiveThreshold)),
            t.Add(Choice("--split", "Interactions: hold out each user's last positive by time, everything after a global time cut (--test-fraction), or a random --test-fraction of each user's positives.",
                ComponentRegistry.ChoiceName(new InteractionsRunOptions().Split), [.. ComponentRegistry.ChoiceNames<InteractionsSplitMode>()]), "Split"),
            t.Add(Choice("--negatives", "Interactions: negative items drawn uniformly, by popularity, or the hardest of the batch's other positives.",
                ComponentRegistry.ChoiceName(co.Negatives), [.. ComponentRegistry.ChoiceNames<NegativeSampling>()]), nameof(CmlOptions.Negatives)),
            t.Add(With("--negatives-per-positive", "Interactions: negatives drawn per (user, positive) pair; the hardest is used (uniform, popularity).", co.NegativesPerPositive), nameof(CmlOptions.NegativesPerPositive)),
            t.Add(With("--batch-size", "Interactions: (user, positive item) pairs per batch.", co.BatchSize), nameof(CmlOptions.BatchSize)),
            t.Add(With("--rank-weighted", "Interactions: weigh each pair by log(1 + its estimated rank), CML's WARP weight (uniform, popularity); --rank-weighted false for the plain hinge.", co.RankWeighted), nameof(CmlOptions.RankWeighted)),
            t.Add(Optional<string>("--item-features", $"Interactions: a CSV of item features (the --item-column id, numeric columns, --item-categorical columns) through an MLP tower (--hidden-sizes, default {string.Join(",", tower.HiddenSizes)}), so that new items can be placed ('triplet recommend/similar --item-features')."),
                nameof(InteractionsRunOptions.ItemFeaturesPath)),
            t.Add(With("--item-categorical", "Interactions: comma-separated categorical columns of --item-features, values separated by '|' (MovieLens genres).", ""), nameof(ItemFeaturesOptions.CategoricalColumns)),
            t.Add(With("--item-id-dropout", "Interactions, with --item-features: probability that a training row leaves out its item's id embedding, so that the tower alone learns to place items (new items have only the tower).", tower.IdDropout),
                nameof(ItemTowerOptions.IdDropout)));
    }

    /// <summary>Refuses the interactions-only options on a run of another format (they would be ignored silently).</summary>
    public static void RefuseWithoutFormat(OptionTable table, Rows rows, ParseResult parse)
    {
        foreach (var property in table.GivenProperties(parse).Intersect(rows.Properties))
            throw new ArgumentException($"{table.OptionFor(property)!.Name} applies only to --format interactions.", property);
    }

    /// <summary>Binds the options, runs <see cref="InteractionsRun"/> (train or resume, evaluate beside the baselines, write the run folder) and prints its progress.</summary>
    public static int Run(CliContext ctx, OptionTable<TrainSettings> table, Rows rows, ParseResult parse)
    {
        var given = table.GivenProperties(parse);
        foreach (var property in given)
            if (!Shared.Contains(property) && !rows.Properties.Contains(property))
                throw new ArgumentException($"{table.OptionFor(property)!.Name} does not apply to --format interactions.", property);
        var s = table.Bind(parse, new TrainSettings());
        if (s.Trainer.Resume && s.Trainer.OutputDirectory is null)
            throw new ArgumentException($"'{nameof(TrainerOptions.Resume)}' needs --out: the folder of the run to continue.", nameof(TrainerOptions.Resume));
        // A resumed run takes its data and settings from the run folder; options given again override them (and a
        // change other than --epochs or --threads is then refused by the run).
        var baseline = s.Trainer.Resume ? InteractionsRun.SavedSettings(s.Trainer.OutputDirectory!) ?? new InteractionsRunOptions() : new InteractionsRunOptions();
        var path = (given.Contains(nameof(DataOptions.Path)) ? s.Data.Path : null) ?? (baseline.DataPath.Length > 0 ? baseline.DataPath : null)
            ?? throw new ArgumentException("--format interactions needs --data: a CSV of user, item, rating and time columns.", nameof(DataOptions.Path));
        var featuresPath = given.Contains(nameof(InteractionsRunOptions.ItemFeaturesPath)) ? parse.GetValue(rows.ItemFeatures) : baseline.ItemFeaturesPath;
        if (featuresPath is null)
            foreach (var property in new[] { nameof(TrainerOptions.HiddenSizes), nameof(ItemFeaturesOptions.CategoricalColumns), nameof(ItemTowerOptions.IdDropout) }.Where(given.Contains))
                throw new ArgumentException($"{table.OptionFor(property)!.Name} applies to --format interactions only with --item-features (the item tower).", property);
        var bound = Bind(rows, parse, given, baseline);
        var options = bound with
        {
            DataPath = path,
            ItemFeaturesPath = featuresPath,
            ItemFeatures = featuresPath is null ? null
                : given.Contains(nameof(ItemFeaturesOptions.CategoricalColumns)) || baseline.ItemFeatures is null
                    ? new ItemFeaturesOptions { IdColumn = bound.Read.ItemColumn, CategoricalColumns = parse.GetValue(rows.ItemCategorical)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) }
                    : baseline.ItemFeatures,
            TestFraction = given.Contains(nameof(DataOptions.TestFraction)) ? s.Data.TestFraction : baseline.TestFraction,
            Cml = CmlFor(rows, parse, s, given, baseline.Cml),
            OutputDirectory = s.Trainer.OutputDirectory ?? RunFolder.DefaultDirectory(),
            Resume = s.Trainer.Resume,
            Report = s.WriteReport,
            TensorBoard = s.TensorBoard,
        };
        var run = new InteractionsRun(options);
        var display = new ConsoleProgress(ctx.Out, s.Progress, ctx.IsTerminal);
        var c = options.Cml;
        run.Notice += (_, note) => ctx.Err.WriteLine($"triplet train: note: {note}");
        run.Prepared += (_, e) =>
        {
            var split = e.Split;
            var data = split.Data;
            display.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"data: {path} (interactions): {data.UserCount} users, {data.ItemCount} items, {data.Count} interactions, {data.PositiveCount} positives; {ComponentRegistry.ChoiceName(options.Split)} split: {split.TrainPositiveCount} train / {split.TestPositiveCount} held-out positives, {split.EvaluatedUsers.Length} users evaluated"));
            display.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run: {e.Directory}  (cml {c.EmbeddingDim}-d, euclidean, margin {c.Margin}, {ComponentRegistry.ChoiceName(c.Negatives)} negatives ×{c.NegativesPerPositive}, batch {c.BatchSize}, {c.Epochs} epochs, adam lr {c.LearningRate}, {c.Threads} threads, seed {c.Seed})"));
            if (e.ItemFeatures is { } f)
            {
                var tower = c.ItemTower ?? new ItemTowerOptions();
                display.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"item features: {options.ItemFeaturesPath}: {f.Count} items, {f.Width} inputs ({f.Schema.NumericColumns.Length} numeric, {f.Width - 1 - f.Schema.NumericColumns.Length} categorical values); tower {string.Join("-", tower.HiddenSizes)}, id embeddings {(tower.IdEmbeddings ? $"with dropout {tower.IdDropout}" : "off")}"));
            }
        };
        run.EpochCompleted += (_, e) => display.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {e.Epoch}/{e.Epochs}: loss {e.Loss:F4}, active {e.ActiveShare:P1}, {e.Seconds:F1} s"));
        var result = run.Execute(ctx.CancellationToken);
        if (result.Metrics is not { } metrics)
        {
            ctx.Err.WriteLine($"triplet train: interrupted after epoch {result.History.Count}; the model so far is saved in {run.Run.ModelDirectory} (not evaluated). Resume with: triplet train --format interactions --data {path} --out {Path.GetFullPath(result.Directory)} --resume (and the same options)");
            return ExitCodes.Interrupted;
        }
        WriteTable(ctx.Out, metrics.Recommenders);
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done: trained in {metrics.TrainingSeconds:F1} s; model {run.Run.ModelDirectory}, metrics {run.Run.MetricsPath}{(result.ReportPath is null ? "" : ", report " + result.ReportPath)}"));
        return ExitCodes.Ok;
    }

    /// <summary>
    /// <c>triplet eval --format interactions</c>: a saved recommender and the baselines on the held-out split of its
    /// data, split as its run did (<see cref="InteractionsRun.EvaluateSaved"/>).
    /// </summary>
    public static int Evaluate(CliContext ctx, OptionTable table, ParseResult parse, string model, string? data, bool json)
    {
        foreach (var property in table.GivenProperties(parse))
            if (property is not (nameof(DataOptions.Path) or nameof(DataOptions.Format)) && table.OptionFor(property) is { } option && option.Name is not ("--model" or "--json"))
                throw new ArgumentException($"{option.Name} does not apply to --format interactions.", property);
        var metrics = InteractionsRun.EvaluateSaved(model, data, note => ctx.Err.WriteLine($"triplet eval: note: {note}"));
        if (json)
        {
            ctx.Out.WriteLine(metrics.ToJson());
            return ExitCodes.Ok;
        }
        ctx.Out.WriteLine($"model  {model}");
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"data   {metrics.Source} (interactions): {metrics.Users} users, {metrics.Items} items; {ComponentRegistry.ChoiceName(metrics.Split)} split: {metrics.TrainPositives} train / {metrics.TestPositives} held-out positives, {metrics.EvaluatedUsers} users evaluated"));
        WriteTable(ctx.Out, metrics.Recommenders);
        return ExitCodes.Ok;
    }

    /// <summary>The reading and split settings of the interactions rows: the given ones, <paramref name="baseline"/>'s for the rest.</summary>
    private static InteractionsRunOptions Bind(Rows rows, ParseResult parse, IReadOnlyCollection<string> given, InteractionsRunOptions baseline)
    {
        T Pick<T>(Option<T> option, string property, T fallback) => given.Contains(property) ? parse.GetValue(option)! : fallback;
        var r = baseline.Read;
        return baseline with
        {
            Read = new InteractionsOptions
            {
                UserColumn = Pick(rows.UserColumn, nameof(InteractionsOptions.UserColumn), r.UserColumn),
                ItemColumn = Pick(rows.ItemColumn, nameof(InteractionsOptions.ItemColumn), r.ItemColumn),
                RatingColumn = Pick(rows.RatingColumn, nameof(InteractionsOptions.RatingColumn), r.RatingColumn),
                TimeColumn = Pick(rows.TimeColumn, nameof(InteractionsOptions.TimeColumn), r.TimeColumn),
                PositiveThreshold = Pick(rows.PositiveThreshold, nameof(InteractionsOptions.PositiveThreshold), r.PositiveThreshold),
            },
            Split = given.Contains("Split") ? ComponentRegistry.Choice<InteractionsSplitMode>(parse.GetValue(rows.Split), "Split") : baseline.Split,
        };
    }

    /// <summary>The model's settings: the given options, <paramref name="baseline"/>'s (CML's own defaults on a new run) for the rest.</summary>
    private static CmlOptions CmlFor(Rows rows, ParseResult parse, TrainSettings s, IReadOnlyCollection<string> given, CmlOptions baseline)
    {
        T Pick<T>(Option<T> option, string property, T fallback) => given.Contains(property) ? parse.GetValue(option)! : fallback;
        return new CmlOptions
        {
            EmbeddingDim = given.Contains(nameof(TrainerOptions.EmbeddingDim)) ? s.Trainer.EmbeddingDim : baseline.EmbeddingDim,
            Margin = given.Contains(nameof(TrainerOptions.Margin)) ? s.Trainer.Margin : baseline.Margin,
            Epochs = given.Contains(nameof(TrainerOptions.Epochs)) ? s.Trainer.Epochs : baseline.Epochs,
            LearningRate = given.Contains(nameof(TrainerOptions.LearningRate)) ? s.Trainer.LearningRate : baseline.LearningRate,
            Seed = given.Contains(nameof(TrainerOptions.Seed)) ? s.Trainer.Seed : baseline.Seed,
            // A CML step is a few small tensors: one thread is fastest (2 threads ran an epoch in 66 s instead of 2 s on
            // the loaded 2-core machine); --threads still sets it.
            Threads = Math.Min(s.Trainer.Threads ?? 1, Environment.ProcessorCount),
            Negatives = given.Contains(nameof(CmlOptions.Negatives)) ? ComponentRegistry.Choice<NegativeSampling>(parse.GetValue(rows.Negatives), nameof(CmlOptions.Negatives)) : baseline.Negatives,
            NegativesPerPositive = Pick(rows.NegativesPerPositive, nameof(CmlOptions.NegativesPerPositive), baseline.NegativesPerPositive),
            BatchSize = Pick(rows.BatchSize, nameof(CmlOptions.BatchSize), baseline.BatchSize),
            RankWeighted = Pick(rows.RankWeighted, nameof(CmlOptions.RankWeighted), baseline.RankWeighted),
            ItemTower = given.Contains(nameof(TrainerOptions.HiddenSizes)) || given.Contains(nameof(ItemTowerOptions.IdDropout))
                ? (baseline.ItemTower ?? new ItemTowerOptions()) with
                {
                    HiddenSizes = given.Contains(nameof(TrainerOptions.HiddenSizes)) ? s.Trainer.HiddenSizes : (baseline.ItemTower ?? new ItemTowerOptions()).HiddenSizes,
                    IdDropout = Pick(rows.ItemIdDropout, nameof(ItemTowerOptions.IdDropout), (baseline.ItemTower ?? new ItemTowerOptions()).IdDropout),
                }
                : baseline.ItemTower,
        };
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
