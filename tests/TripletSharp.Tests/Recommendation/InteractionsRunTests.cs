using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TripletSharp.Components;
using TripletSharp.Data;
using TripletSharp.Recommendation;
using TripletSharp.Tests.Data;
using TripletSharp.Training;

namespace TripletSharp.Tests.Recommendation;

/// <summary>
/// <see cref="InteractionsRun"/> on planted data: the run folder it writes, a checkpoint per epoch, resuming
/// bit-identically, refusing a resume with other data or settings, the saved model's evaluation, and the report.
/// </summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public sealed class InteractionsRunTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private InteractionsRunOptions Options(string run, NegativeSampling negatives = NegativeSampling.Uniform, int epochs = 4) => new()
    {
        DataPath = File.Exists(_dir.File("ratings.csv")) ? _dir.File("ratings.csv") : PlantedInteractions.WriteCsv(_dir.File("ratings.csv"), PlantedInteractions.Make()),
        OutputDirectory = _dir.File(run),
        Cml = new CmlOptions { EmbeddingDim = 8, Epochs = epochs, BatchSize = 64, LearningRate = 0.05, Threads = 1, Seed = 3, Negatives = negatives, NegativesPerPositive = 4 },
    };

    /// <summary>Without item features, and with them (the tower's weights, id embeddings and id-dropout draws then ride along).</summary>
    [Theory]
    [InlineData(NegativeSampling.Uniform, false)]
    [InlineData(NegativeSampling.Popularity, false)]
    [InlineData(NegativeSampling.InBatchHard, false)]
    [InlineData(NegativeSampling.Uniform, true)]
    [InlineData(NegativeSampling.Popularity, true)]
    [InlineData(NegativeSampling.InBatchHard, true)]
    public void AResumedRunIsBitIdenticalToAnUninterruptedOne(NegativeSampling negatives, bool itemFeatures)
    {
        InteractionsRunOptions Make(string run) => itemFeatures ? WithFeatures(run, negatives) : Options(run, negatives);
        var straight = new InteractionsRun(Make("straight")).Execute();

        // Interrupted after epoch 2 (the token fires at the end of that epoch), then resumed to epoch 4.
        using var cancel = new CancellationTokenSource();
        var first = new InteractionsRun(Make("resumed"));
        first.EpochCompleted += (_, e) => { if (e.Epoch == 2) cancel.Cancel(); };
        var part = first.Execute(cancel.Token);
        Assert.True(part.Interrupted);
        Assert.Equal(2, part.History.Count);
        var checkpoint = Path.Combine(_dir.File("resumed"), "checkpoint");
        Assert.True(CmlCheckpoint.Exists(checkpoint));
        // With item features the checkpoint also holds the tower's weights (and the id embeddings as its items file).
        Assert.Equal(itemFeatures ? 1 : 0, Directory.GetFiles(checkpoint, "tower-*.f32").Length);
        var notes = new List<string>();
        var second = new InteractionsRun(Make("resumed") with { Resume = true });
        second.Notice += (_, n) => notes.Add(n);
        var resumed = second.Execute();
        Assert.Contains(notes, n => n.Contains("resuming", StringComparison.Ordinal) && n.Contains("after epoch 2 of 4", StringComparison.Ordinal));

        Assert.Equal(straight.Model.UserVectors, resumed.Model.UserVectors);
        Assert.Equal(straight.Model.ItemVectors, resumed.Model.ItemVectors);
        Assert.Equal(straight.Model.Tower?.Weights, resumed.Model.Tower?.Weights);
        Assert.Equal(straight.History.Select(h => (h.Epoch, h.Loss, h.ActiveShare)), resumed.History.Select(h => (h.Epoch, h.Loss, h.ActiveShare)));
        Assert.Equal(straight.Metrics!.Recommenders, resumed.Metrics!.Recommenders, RecommenderEquality.Instance);
        Assert.Equal(4, resumed.Metrics.Epochs);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(_dir.File("resumed"), "history.csv")).Length);
        Assert.Equal(itemFeatures, straight.Model.Tower is not null);
    }

    /// <summary>The run of <see cref="Options"/> with item features (the planted groups as a genre) through the tower.</summary>
    private InteractionsRunOptions WithFeatures(string run, NegativeSampling negatives = NegativeSampling.Uniform, int epochs = 4)
    {
        var o = Options(run, negatives, epochs);
        var items = _dir.File("items.csv");
        if (!File.Exists(items)) PlantedInteractions.WriteItemFeatures(items, PlantedInteractions.Make());
        return o with
        {
            ItemFeaturesPath = items,
            ItemFeatures = new ItemFeaturesOptions { CategoricalColumns = ["genres"] },
            Cml = o.Cml with { ItemTower = new ItemTowerOptions { HiddenSizes = [12] } },
        };
    }

    [Fact]
    public void ResumeRefusesOtherItemFeaturesAndABadFeaturesFileIsNamedByLineAndColumn()
    {
        new InteractionsRun(WithFeatures("run", epochs: 1)).Execute();
        var ex = Assert.Throws<ArgumentException>(() => new InteractionsRun(Options("run", epochs: 2) with { Resume = true }).Execute());
        Assert.Equal(nameof(InteractionsRunOptions.ItemFeaturesPath), ex.ParamName);
        Assert.Contains("was trained with item features", ex.Message, StringComparison.Ordinal);

        var other = _dir.File("other-items.csv");
        File.WriteAllLines(other, File.ReadAllLines(_dir.File("items.csv")).Select((l, i) => i == 1 ? l.Replace(",19", ",18", StringComparison.Ordinal).Replace(",20", ",17", StringComparison.Ordinal) : l));
        ex = Assert.Throws<ArgumentException>(() => new InteractionsRun(WithFeatures("run", epochs: 2) with { Resume = true, ItemFeaturesPath = other }).Execute());
        Assert.Contains("other item features", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => new InteractionsRun(WithFeatures("run", epochs: 2) with { Resume = true, ItemFeatures = new ItemFeaturesOptions { CategoricalColumns = ["genres", "year"] } }).Execute());
        Assert.Contains("other item features", ex.Message, StringComparison.Ordinal);
        var wider = WithFeatures("run", epochs: 2);
        ex = Assert.Throws<ArgumentException>(() => new InteractionsRun(wider with { Resume = true, Cml = wider.Cml with { ItemTower = new ItemTowerOptions { HiddenSizes = [7] } } }).Execute());
        Assert.Contains("other settings (cml.item_tower.hidden_sizes [12], now [7])", ex.Message, StringComparison.Ordinal);
        // The same file under another name is the same features: the resume goes on.
        var copy = _dir.File("copy-items.csv");
        File.Copy(_dir.File("items.csv"), copy);
        var resumed = new InteractionsRun(WithFeatures("run", epochs: 2) with { Resume = true, ItemFeaturesPath = copy }).Execute();
        Assert.Equal(2, resumed.History.Count);
        // The report says the items were placed through the tower, and with which features.
        var summary = Regex.Match(File.ReadAllText(resumed.ReportPath!), "<tr data-key=\"item features\"><th>item features</th><td>([^<]*)</td>");
        Assert.True(summary.Success, "no item features row in the report's summary");
        Assert.Equal("copy-items.csv (categorical: genres); tower hidden [12], id embeddings, id dropout 0.5", System.Net.WebUtility.HtmlDecode(summary.Groups[1].Value));

        new InteractionsRun(Options("plain", epochs: 1)).Execute();
        ex = Assert.Throws<ArgumentException>(() => new InteractionsRun(WithFeatures("plain", epochs: 2) with { Resume = true }).Execute());
        Assert.Contains("was trained without item features", ex.Message, StringComparison.Ordinal);

        var bad = _dir.File("bad-items.csv");
        File.WriteAllLines(bad, ["movieId,year,genres", "i0,1990,g0", "i1,19x1,g1"]);
        var e = Assert.Throws<DataFormatException>(() => new InteractionsRun(WithFeatures("bad") with { ItemFeaturesPath = bad }).Execute());
        Assert.Equal(bad, e.FilePath);
        Assert.Equal(3L, e.Record);
        Assert.Contains("non-numeric feature '19x1' in column 'year' (column 2)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResumeRefusesAnotherSplitOtherSettingsAndAMissingCheckpoint()
    {
        new InteractionsRun(Options("run", epochs: 1)).Execute();
        var ex = Assert.Throws<ArgumentException>(() => new InteractionsRun(Options("run", epochs: 2) with { Resume = true, Cml = Options("run").Cml with { Epochs = 2, Margin = 0.5 } }).Execute());
        Assert.Equal(nameof(InteractionsRunOptions.Resume), ex.ParamName);
        Assert.Contains("other settings (cml.margin 1.5, now 0.5)", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => new InteractionsRun(Options("run", epochs: 2) with { Resume = true, Split = InteractionsSplitMode.Random }).Execute());
        Assert.Contains("data fingerprint differs", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => new InteractionsRun(Options("run", epochs: 2)).Execute());
        Assert.Equal(nameof(InteractionsRunOptions.OutputDirectory), ex.ParamName);
        Assert.Contains("already holds a run", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ArgumentException>(() => new InteractionsRun(Options("none", epochs: 2) with { Resume = true }).Execute());
        Assert.Contains("has no checkpoint", ex.Message, StringComparison.Ordinal);

        // More epochs and other threads are allowed; the checkpoint's files are checked against their SHA-256.
        var checkpoint = Path.Combine(_dir.File("run"), "checkpoint");
        Assert.Equal(4, Directory.GetFiles(checkpoint).Length);
        File.WriteAllBytes(Directory.GetFiles(checkpoint, "users-*.f32").Single(), new byte[8]);
        var damaged = Assert.Throws<TripletSharp.Models.ModelFormatException>(() => new InteractionsRun(Options("run", epochs: 2) with { Resume = true }).Execute());
        Assert.Contains("SHA-256", damaged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRunFolderHoldsModelMetricsHistoryCheckpointSettingsAndReport()
    {
        var result = new InteractionsRun(Options("run", epochs: 3) with { TensorBoard = _dir.File("tb") }).Execute();
        var run = _dir.File("run");
        foreach (var file in new[] { "metrics.json", "history.csv", "report.html", InteractionsRun.SettingsFileName, "model/recommender.json", "checkpoint/" + CmlCheckpoint.FileName })
            Assert.True(File.Exists(Path.Combine(run, file)), file);
        Assert.NotEmpty(Directory.GetFiles(_dir.File("tb")));
        // Three epochs, one checkpoint: the earlier epochs' files are gone.
        Assert.Equal(4, Directory.GetFiles(Path.Combine(run, "checkpoint")).Length);
        var saved = RecommendationMetrics.Load(Path.Combine(run, "metrics.json"));
        // metrics.json names the model it was measured on, as an image run's does (the fingerprint its item index records too).
        var (_, fingerprint) = CmlModel.Load(Path.Combine(run, "model"));
        Assert.Equal(fingerprint, JsonNode.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")))![RunFolder.ModelFingerprintKey]!.GetValue<string>());
        using (var index = TripletSharp.Search.EmbeddingIndex.Open(Path.Combine(run, "model", CmlModel.IndexFolderName))) Assert.Equal(fingerprint, index.ModelFingerprint);
        Assert.Equal(["cml", "most_popular", "random", "item_knn"], saved.Recommenders.Select(r => r.Name));
        Assert.Equal(result.Metrics!.Recommenders, saved.Recommenders, RecommenderEquality.Instance);
        Assert.Equal(InteractionsRun.HistoryHeader, File.ReadAllLines(Path.Combine(run, "history.csv"))[0]);

        // The saved model, evaluated again from its folder (data and split from the run's settings): the same numbers.
        var again = InteractionsRun.EvaluateSaved(Path.Combine(run, "model"), null);
        Assert.Equal(saved.Recommenders, again.Recommenders, RecommenderEquality.Instance);

        // Another run's model folder swapped in: refused, naming metrics.json and both fingerprints.
        var other = new InteractionsRun(Options("other", epochs: 1) with { Cml = Options("other").Cml with { Epochs = 1, Seed = 5 } }).Execute();
        var (_, otherFingerprint) = CmlModel.Load(Path.Combine(_dir.File("other"), "model"));
        Directory.Move(Path.Combine(run, "model"), Path.Combine(run, "model-own"));
        CopyDirectory(Path.Combine(_dir.File("other"), "model"), Path.Combine(run, "model"));
        var swapped = Assert.Throws<TripletSharp.Models.ModelFormatException>(() => InteractionsRun.EvaluateSaved(Path.Combine(run, "model"), null));
        Assert.Contains("metrics.json", swapped.Message, StringComparison.Ordinal);
        Assert.Contains(fingerprint, swapped.Message, StringComparison.Ordinal);
        Assert.Contains(otherFingerprint, swapped.Message, StringComparison.Ordinal);
        Directory.Delete(Path.Combine(run, "model"), recursive: true);
        Directory.Move(Path.Combine(run, "model-own"), Path.Combine(run, "model"));

        // The report: one row per recommender, every metric at K = 10 and 50, the values of metrics.json; two curves.
        var html = File.ReadAllText(result.ReportPath!);
        foreach (var r in saved.Recommenders)
            foreach (var m in r.Metrics)
                foreach (var (name, value) in new[] { ("recall", m.Recall), ("ndcg", m.Ndcg), ("map", m.Map), ("hit_rate", m.HitRate), ("mrr", m.Mrr), ("coverage", m.Coverage) })
                {
                    var row = Regex.Match(html, $"<tr data-recommender=\"{r.Name}\">(.*?)</tr>").Groups[1].Value;
                    var cell = Regex.Match(row, $"data-metric=\"{name}\" data-k=\"{m.K}\" data-value=\"([^\"]+)\"");
                    Assert.True(cell.Success, $"{r.Name} {name}@{m.K}");
                    Assert.Equal(value, double.Parse(cell.Groups[1].Value, CultureInfo.InvariantCulture));
                }
        Assert.Equal(3, Regex.Match(html, "<svg id=\"curve-loss\".*?points=\"([^\"]*)\"").Groups[1].Value.Split(' ').Length);
        Assert.Contains("id=\"curve-active_share\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluatingAModelOnOtherInteractionsIsRefused()
    {
        new InteractionsRun(Options("run", epochs: 1)).Execute();
        var other = PlantedInteractions.WriteCsv(_dir.File("other.csv"), PlantedInteractions.Make(users: 40));
        var ex = Assert.Throws<ArgumentException>(() => InteractionsRun.EvaluateSaved(Path.Combine(_dir.File("run"), "model"), other));
        Assert.Contains("trained on other interactions", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChoiceNamesAreTheEnumMembersInKebabCase()
    {
        Assert.Equal(["uniform", "popularity", "in-batch-hard"], ComponentRegistry.ChoiceNames<NegativeSampling>());
        Assert.Equal(["leave-last-out", "time", "random"], ComponentRegistry.ChoiceNames<InteractionsSplitMode>());
        foreach (var v in Enum.GetValues<NegativeSampling>()) Assert.Equal(v, ComponentRegistry.Choice<NegativeSampling>(ComponentRegistry.ChoiceName(v), "Negatives"));
        var ex = Assert.Throws<ArgumentException>(() => ComponentRegistry.Choice<InteractionsSplitMode>("last", "Split"));
        Assert.Equal("Split", ex.ParamName);
        Assert.Contains("leave-last-out, time, random", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LeavingSeenItemsOutKeepsTheOrderAndKItems()
    {
        int[] ranked = [5, 3, 9, 1, 7, 2];
        Assert.Equal([3, 1, 7], SeenItems.LeaveOut(ranked, i => i, [5, 9], 3));
        Assert.Equal([5, 3], SeenItems.LeaveOut(ranked, i => i, [], 2));
        Assert.Equal([2], SeenItems.LeaveOut(ranked, i => i, [5, 3, 9, 1, 7], 4));
        Assert.Equal(6, SeenItems.SearchWidth(4, 2, 10));
        Assert.Equal(5, SeenItems.SearchWidth(4, 2, 5));
    }

    [Fact]
    public void RecommendIsTheNearestUnseenItemsByAPlainReference()
    {
        var result = new InteractionsRun(Options("run", epochs: 2)).Execute();
        var m = result.Model;
        int d = m.Dimension;
        var lists = m.Recommend([0, 7, 33], 6, m.Seen);
        foreach (var (u, list) in new[] { 0, 7, 33 }.Zip(lists))
        {
            var seen = m.Seen[u].ToHashSet();
            var reference = Enumerable.Range(0, m.ItemIds.Count).Where(i => !seen.Contains(i))
                .Select(i => (i, dist: Math.Sqrt(Enumerable.Range(0, d).Sum(j => Math.Pow((double)m.UserVectors[u * d + j] - m.ItemVectors[i * d + j], 2)))))
                .OrderBy(x => x.dist).ThenBy(x => x.i).Take(6).Select(x => x.i).ToArray();
            Assert.Equal(reference, list);
        }
    }

    private sealed class RecommenderEquality : IEqualityComparer<RecommenderMetrics>
    {
        public static RecommenderEquality Instance { get; } = new();

        public bool Equals(RecommenderMetrics? x, RecommenderMetrics? y) => x!.Name == y!.Name && x.Metrics.SequenceEqual(y.Metrics);

        public int GetHashCode(RecommenderMetrics obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from)) CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
