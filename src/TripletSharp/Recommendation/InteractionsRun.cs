using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TripletSharp.Data;
using TripletSharp.Reporting;
using TripletSharp.Training;

namespace TripletSharp.Recommendation;

/// <summary>
/// A recommendation run from user–item interactions, start to end: read and split the data, train the
/// <see cref="CmlModel"/> with a checkpoint after every epoch (and resume from it), save the model, evaluate it beside
/// the baselines on the same split (<c>metrics.json</c>), and write <c>history.csv</c>, TensorBoard scalars and
/// <c>report.html</c> — all in a <see cref="RunFolder"/>, every file atomically. A caller (the tool) subscribes to the
/// events to show progress.
/// </summary>
public sealed class InteractionsRun
{
    /// <summary>The run's settings in its folder (read by <see cref="EvaluateSaved"/> to split the data as the run did).</summary>
    public const string SettingsFileName = "interactions.json";

    /// <summary>The columns of <c>history.csv</c>.</summary>
    public const string HistoryHeader = "epoch,loss,active_share,seconds";

    /// <summary>Creates the run (nothing is read or written yet).</summary>
    public InteractionsRun(InteractionsRunOptions options)
    {
        Guard.NotNull(options, nameof(options));
        options.Validate();
        Options = options;
        Run = new RunFolder(options.OutputDirectory);
    }

    /// <summary>The settings.</summary>
    public InteractionsRunOptions Options { get; }

    /// <summary>The run folder.</summary>
    public RunFolder Run { get; }

    /// <summary>A note about the data or the run (duplicate rows, skipped users, resuming).</summary>
    public event EventHandler<string>? Notice;

    /// <summary>The data is read and split; training starts next.</summary>
    public event EventHandler<InteractionsPrepared>? Prepared;

    /// <summary>An epoch finished (its row is already in <c>history.csv</c>, its checkpoint written).</summary>
    public event EventHandler<CmlEpoch>? EpochCompleted;

    /// <summary>Trains (or resumes), saves, evaluates and reports; stops after the current batch when <paramref name="cancellationToken"/> fires (the model so far is saved, not evaluated).</summary>
    /// <exception cref="ArgumentException">Resume without a checkpoint, or with other data or settings than the checkpoint's.</exception>
    public InteractionsRunResult Execute(CancellationToken cancellationToken = default)
    {
        var o = Options;
        var split = LoadSplit(o, note => Notice?.Invoke(this, note));
        var features = LoadItemFeatures(o, split, note => Notice?.Invoke(this, note));
        var checkpointDir = Run.CheckpointDirectory;
        string dataFingerprint = Fingerprint(split);
        string featuresFingerprint = features?.Fingerprint() ?? "";
        string settings = JsonSerializer.Serialize(o.Comparable() with { DataPath = "" }, JsonDefaults.Options);
        using var runLock = Run.Lock();

        if (!o.Resume && (CmlCheckpoint.Exists(checkpointDir) || Run.HasCheckpoint || File.Exists(Run.MetricsPath)))
            throw new ArgumentException($"'{nameof(InteractionsRunOptions.OutputDirectory)}': {Run.Directory} already holds a run; resume it (--resume) or choose another folder (--out).", nameof(InteractionsRunOptions.OutputDirectory));
        var history = new List<CmlEpoch>();
        CmlTrainingState? resume = null;
        double earlierSeconds = 0;
        if (o.Resume)
        {
            if (!CmlCheckpoint.Exists(checkpointDir))
                throw new ArgumentException($"'Resume': {Run.Directory} has no checkpoint of a recommendation run ({Path.Combine(checkpointDir, CmlCheckpoint.FileName)} is missing).", nameof(InteractionsRunOptions.Resume));
            var (saved, state) = CmlCheckpoint.Load(checkpointDir);
            if (saved.DataFingerprint != dataFingerprint)
                throw new ArgumentException($"'Resume': the run in {Run.Directory} was trained on other interactions or another split (the data fingerprint differs); resume it with the same data and split settings.", nameof(InteractionsRunOptions.Resume));
            if (saved.FeaturesFingerprint != featuresFingerprint)
                throw new ArgumentException(FeaturesMismatch(saved.FeaturesFingerprint, featuresFingerprint), nameof(InteractionsRunOptions.ItemFeaturesPath));
            if (saved.Settings != settings)
                throw new ArgumentException($"'Resume': the run in {Run.Directory} was trained with other settings ({SettingsDifference(saved.Settings, settings)}); only the epochs and threads may change.", nameof(InteractionsRunOptions.Resume));
            if (saved.Epoch > o.Cml.Epochs)
                throw new ArgumentException($"'Resume': the checkpoint is after epoch {saved.Epoch}; ask for at least that many epochs (--epochs), not {o.Cml.Epochs}.", nameof(InteractionsRunOptions.Resume));
            resume = state;
            history.AddRange(saved.History);
            earlierSeconds = saved.TrainingSeconds;
            Notice?.Invoke(this, string.Create(CultureInfo.InvariantCulture, $"resuming {Run.Directory} after epoch {saved.Epoch} of {o.Cml.Epochs}."));
        }
        AtomicFile.WriteAllBytes(Path.Combine(Run.Directory, SettingsFileName), JsonSerializer.SerializeToUtf8Bytes(
            o with { DataPath = Path.GetFullPath(o.DataPath), ItemFeaturesPath = o.ItemFeaturesPath is null ? null : Path.GetFullPath(o.ItemFeaturesPath), Resume = false }, JsonDefaults.Options));
        Prepared?.Invoke(this, new InteractionsPrepared(split, Run.Directory, resume?.Epoch ?? 0, features));

        var tensorBoard = o.TensorBoard is null ? null : new TensorBoardLogger(o.TensorBoard);
        var trainer = new CmlTrainer(o.Cml);
        var watch = Stopwatch.StartNew();
        trainer.EpochCompleted += (_, e) =>
        {
            history.Add(e);
            AtomicFile.WriteAllText(Run.HistoryPath, HistoryCsv(history));
            tensorBoard?.LogScalars(e.Epoch, new Dictionary<string, double> { ["loss"] = e.Loss, ["active_share"] = e.ActiveShare }, "train/");
        };
        trainer.StateAvailable += (_, state) =>
        {
            new CmlCheckpoint { DataFingerprint = dataFingerprint, FeaturesFingerprint = featuresFingerprint, Settings = settings, TrainingSeconds = earlierSeconds + watch.Elapsed.TotalSeconds, History = history.ToArray() }.Save(checkpointDir, state);
            EpochCompleted?.Invoke(this, history[^1]);
        };
        var model = trainer.Fit(split, features, resume, cancellationToken);
        double seconds = earlierSeconds + watch.Elapsed.TotalSeconds;
        if (history.Count > 0) AtomicFile.WriteAllText(Run.HistoryPath, HistoryCsv(history));
        string fingerprint = model.Save(Run.ModelDirectory, o.Cml);
        if (cancellationToken.IsCancellationRequested && history.Count < o.Cml.Epochs)
            return new InteractionsRunResult(Run.Directory, model, history, null, null);

        var metrics = Evaluate(model, split, o.Cml.Seed) with
        {
            TrainingSeconds = seconds,
            Epochs = history.Count,
            FinalLoss = history.Count == 0 ? double.NaN : history[^1].Loss,
        };
        Run.WriteMetrics(JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(metrics, JsonDefaults.Options))!.AsObject(), fingerprint);
        foreach (var r in metrics.Recommenders)
            foreach (var m in r.Metrics)
                tensorBoard?.LogScalars(history.Count, new Dictionary<string, double> { ["recall"] = m.Recall, ["ndcg"] = m.Ndcg }, $"{r.Name}/at_{m.K}/");
        string? report = null;
        if (o.Report)
        {
            report = Run.ReportPath;
            InteractionsReport.Write(report, metrics, history, o);
        }
        return new InteractionsRunResult(Run.Directory, model, history, metrics, report);
    }

    /// <summary>
    /// Reads and splits the interactions as <paramref name="options"/> say (the split seeded by
    /// <see cref="CmlOptions.Seed"/>); <paramref name="notice"/> hears about duplicate rows, rows out of time order
    /// and skipped users.
    /// </summary>
    /// <exception cref="DataFormatException">The split leaves no user to evaluate.</exception>
    public static InteractionsSplit LoadSplit(InteractionsRunOptions options, Action<string>? notice = null)
    {
        Guard.NotNull(options, nameof(options));
        var path = options.DataPath;
        var data = InteractionsReader.Read(path, options.Read);
        if (data.DuplicateRows > 0) notice?.Invoke($"{data.DuplicateRows} row(s) repeated a (user, item) pair of {path}; the latest of each was kept.");
        if (data.OutOfOrderRows > 0) notice?.Invoke($"{data.OutOfOrderRows} row(s) of {path} are earlier than the row before them; the split orders by time.");
        var split = InteractionsSplitter.Split(data, options.Split, options.TestFraction, options.Cml.Seed);
        if (split.UsersWithoutPositives > 0) notice?.Invoke($"{split.UsersWithoutPositives} user(s) have no rating ≥ {options.Read.PositiveThreshold.ToString(CultureInfo.InvariantCulture)}; skipped.");
        if (split.UsersWithoutTraining > 0) notice?.Invoke($"{split.UsersWithoutTraining} user(s) would have no training positive after the {Components.ComponentRegistry.ChoiceName(options.Split)} split; not evaluated.");
        if (split.EvaluatedUsers.Length == 0) throw new DataFormatException(path, "the split leaves no user with both training and held-out positives; nothing can be evaluated.");
        return split;
    }

    /// <summary>
    /// Reads the item features of <paramref name="options"/> (null when it names none); <paramref name="notice"/> hears
    /// how many items of the interactions the file does not list (they get the "no features" input) and how many
    /// categorical values it has.
    /// </summary>
    /// <exception cref="DataFormatException">The features file is missing or malformed (file, line and column named).</exception>
    public static ItemFeatures? LoadItemFeatures(InteractionsRunOptions options, InteractionsSplit split, Action<string>? notice = null)
    {
        Guard.NotNull(options, nameof(options));
        Guard.NotNull(split, nameof(split));
        if (options.ItemFeaturesPath is not { } path) return null;
        var features = ItemFeaturesReader.Read(path, options.ItemFeaturesReading());
        int missing = split.Data.ItemIds.Count(i => features.IndexOf(i) < 0);
        if (missing > 0) notice?.Invoke($"{missing} item(s) of {split.Data.Source} have no row in {path}; they get the 'no features' input and rely on their id embedding.");
        return features;
    }

    /// <summary>What differs between two settings JSON texts, one setting per part: <c>cml.margin 1.5, now 0.5</c>.</summary>
    internal static string SettingsDifference(string saved, string now)
    {
        static void Flatten(JsonNode? node, string path, Dictionary<string, string> into)
        {
            if (node is JsonObject o)
                foreach (var (key, value) in o) Flatten(value, path.Length == 0 ? key : $"{path}.{key}", into);
            else into[path] = node?.ToJsonString() ?? "null";
        }
        var a = new Dictionary<string, string>(StringComparer.Ordinal);
        var b = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            Flatten(JsonNode.Parse(saved), "", a);
            Flatten(JsonNode.Parse(now), "", b);
        }
        catch (JsonException)
        {
            return "the checkpoint's settings are not readable JSON";
        }
        var parts = a.Keys.Union(b.Keys).Order(StringComparer.Ordinal)
            .Where(k => !(a.TryGetValue(k, out var x) && b.TryGetValue(k, out var y) && x == y))
            .Select(k => $"{k} {(a.TryGetValue(k, out var x) ? x : "unset")}, now {(b.TryGetValue(k, out var y) ? y : "unset")}");
        return string.Join("; ", parts);
    }

    /// <summary>The message refusing a resume whose item features differ from the checkpoint's (fingerprints, empty for none).</summary>
    private string FeaturesMismatch(string saved, string now) =>
        saved.Length == 0 ? $"'Resume': the run in {Run.Directory} was trained without item features; resume it without '{nameof(InteractionsRunOptions.ItemFeaturesPath)}'."
        : now.Length == 0 ? $"'Resume': the run in {Run.Directory} was trained with item features; resume it with the same '{nameof(InteractionsRunOptions.ItemFeaturesPath)}' file and categorical columns."
        : $"'Resume': the run in {Run.Directory} was trained on other item features (features fingerprint {saved[..12]}, now {now[..12]}: another file, other content or other categorical columns); resume it with the same '{nameof(InteractionsRunOptions.ItemFeaturesPath)}' file and categorical columns.";

    /// <summary>
    /// <paramref name="model"/> and the baselines (<see cref="RecommendationEvaluator.Baselines"/>, seeded by
    /// <paramref name="seed"/>) on the held-out positives of <paramref name="split"/>: the metrics of a run, without its training figures.
    /// </summary>
    /// <exception cref="ArgumentException">The model's users or items are not the split's.</exception>
    public static RecommendationMetrics Evaluate(CmlModel model, InteractionsSplit split, int seed)
    {
        Guard.NotNull(model, nameof(model));
        Guard.NotNull(split, nameof(split));
        if (!model.UserIds.SequenceEqual(split.Data.UserIds) || !model.ItemIds.SequenceEqual(split.Data.ItemIds))
            throw new ArgumentException($"the model knows {model.UserIds.Count} users and {model.ItemIds.Count} items, the data {split.Data.UserCount} and {split.Data.ItemCount} (or in another order): it was trained on other interactions.", nameof(model));
        var results = new List<RecommenderMetrics> { RecommendationEvaluator.Evaluate(model, split) };
        results.AddRange(RecommendationEvaluator.Baselines(split, seed).Select(b => RecommendationEvaluator.Evaluate(b, split)));
        return RecommendationMetrics.Describe(split) with { Recommenders = results };
    }

    /// <summary>The settings saved in the run folder <paramref name="runDirectory"/> (<see cref="SettingsFileName"/>); null when it has none.</summary>
    /// <exception cref="DataFormatException">The file is not valid JSON.</exception>
    public static InteractionsRunOptions? SavedSettings(string runDirectory)
    {
        Guard.NotNull(runDirectory, nameof(runDirectory));
        var path = Path.Combine(runDirectory, SettingsFileName);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<InteractionsRunOptions>(File.ReadAllBytes(path), JsonDefaults.Options) ?? throw new DataFormatException(path, "empty settings file."); }
        catch (JsonException e) { throw new DataFormatException(path, $"not valid JSON ({e.Message})"); }
    }

    /// <summary>
    /// Evaluates a saved model (<c>model/</c> of a run) beside the baselines on the held-out split of
    /// <paramref name="dataPath"/> (default: the run's data), read and split with the run's settings
    /// (<see cref="SettingsFileName"/> beside <c>model/</c>; the defaults when the model is not in a run folder): the same
    /// numbers as the run's <c>metrics.json</c>, without its training figures.
    /// </summary>
    /// <exception cref="ArgumentException">No data given and no run settings to take it from; or the model was trained on other interactions.</exception>
    public static RecommendationMetrics EvaluateSaved(string modelDirectory, string? dataPath, Action<string>? notice = null)
    {
        Guard.NotNull(modelDirectory, nameof(modelDirectory));
        var (model, fingerprint) = CmlModel.Load(modelDirectory);
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDirectory)));
        // A model folder swapped in from another run: refused, as for image runs (the run's settings and numbers are not this model's).
        if (parent is not null) new RunFolder(parent).VerifyMetricsFingerprint(fingerprint);
        var settings = parent is null ? null : SavedSettings(parent);
        if (settings is null)
        {
            notice?.Invoke($"{modelDirectory} is not in a run folder with {SettingsFileName}; the data is read and split with the default settings.");
            settings = new InteractionsRunOptions();
        }
        var path = dataPath ?? (settings.DataPath.Length > 0 ? settings.DataPath : throw new ArgumentException($"'{nameof(dataPath)}' is needed: the model's run does not say which interactions it was trained on.", nameof(dataPath)));
        var split = LoadSplit(settings with { DataPath = path }, notice);
        return Evaluate(model, split, settings.Cml.Seed);
    }

    /// <summary>The text of <c>history.csv</c>.</summary>
    internal static string HistoryCsv(IEnumerable<CmlEpoch> history) =>
        HistoryHeader + "\n" + string.Concat(history.Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Epoch},{h.Loss:R},{h.ActiveShare:R},{h.Seconds:R}\n")));

    /// <summary>SHA-256 over the split's ids and its training and held-out positives.</summary>
    internal static string Fingerprint(InteractionsSplit split)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) => sha.AppendData(Encoding.UTF8.GetBytes(s + "\n"));
        Add("tripletsharp-interactions-split-v1");
        Add(string.Join('\u001f', split.Data.UserIds));
        Add(string.Join('\u001f', split.Data.ItemIds));
        foreach (var lists in new[] { split.TrainPositives, split.TestPositives, split.Seen })
            foreach (var list in lists) Add(string.Join(',', list));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
