using TripletSharp.Cli;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Recommendation;
using TripletSharp.Tests.Cli;
using TripletSharp.Tests.Data;

namespace TripletSharp.Tests.Recommendation;

/// <summary>
/// The item tower on planted data whose features determine the taste group: items never seen in training are placed
/// by their features and recommended to the users of their group, checked against a plain double-precision MLP and
/// distance loop; the tower is saved with the model and old folders still load.
/// </summary>
[Collection(InProcessTrainingCollection.Name)]
public sealed class ItemFeatureTowerTests : IDisposable
{
    private const int Groups = 4, NewItems = 20, Dim = 16;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string WriteFeatures(Interactions data) => PlantedInteractions.WriteItemFeatures(_dir.File("items.csv"), data, NewItems, Groups);

    private string WriteLines(string name, string[] lines)
    {
        var path = _dir.File(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static CmlOptions Options => new() { EmbeddingDim = Dim, Epochs = 40, BatchSize = 64, LearningRate = 0.05, Seed = 3, Threads = 1 };

    [Fact]
    public void NewItemsArePlacedByTheirFeaturesAndRecommendedToTheirGroup()
    {
        var data = PlantedInteractions.Make();
        var split = InteractionsSplitter.Split(data, InteractionsSplitMode.LeaveLastOut);
        var features = ItemFeaturesReader.Read(WriteFeatures(data), new ItemFeaturesOptions { IdColumn = "movieId", CategoricalColumns = ["genres"] });
        var model = new CmlTrainer(Options).Fit(split, features, null);
        Assert.NotNull(model.Tower);
        var placed = model.PlaceItems(features);
        Assert.Equal(data.ItemCount + NewItems, placed.ItemIds.Count);
        Assert.Equal(model.ItemVectors, placed.ItemVectors.Take(model.ItemVectors.Length));

        // A new item's vector is the plain MLP of its features, clipped into the unit ball.
        var tower = model.Tower!;
        int w = features.Width, h = tower.HiddenSizes[0];
        for (int j = 0; j < NewItems; j++)
        {
            int row = features.IndexOf($"n{j}");
            var x = features.Values.Skip(row * w).Take(w).Select(v => (double)v).ToArray();
            var hidden = new double[h];
            for (int a = 0; a < h; a++)
            {
                double s = tower.Weights[h * w + a];
                for (int b = 0; b < w; b++) s += tower.Weights[a * w + b] * x[b];
                hidden[a] = Math.Max(0, s);
            }
            int o2 = h * w + h;
            var v = new double[Dim];
            for (int a = 0; a < Dim; a++)
            {
                double s = tower.Weights[o2 + Dim * h + a];
                for (int b = 0; b < h; b++) s += tower.Weights[o2 + a * h + b] * hidden[b];
                v[a] = s;
            }
            double norm = Math.Max(1, Math.Sqrt(v.Sum(t => t * t)));
            for (int a = 0; a < Dim; a++) Assert.Equal(v[a] / norm, placed.ItemVectors[(data.ItemCount + j) * Dim + a], 4);
        }

        // Plain ranking of the new items for every user: the top 5 of 20 are of the user's group (chance: 0.25).
        double own = 0;
        foreach (int u in split.EvaluatedUsers)
        {
            var top = Enumerable.Range(0, NewItems).OrderBy(j => Distance(placed.UserVectors, u, placed.ItemVectors, data.ItemCount + j)).ThenBy(j => j).Take(5);
            own += top.Count(j => j % Groups == u % Groups) / 5.0;
        }
        own /= split.EvaluatedUsers.Length;
        Console.WriteLine($"ItemFeatureTower: new items of the user's group in its top 5: {own:F3}");
        Assert.True(own >= 0.8, $"share of the new items in a user's top 5 that are of its group: {own} (chance 0.25)");

        // The library's recommendations over the extended catalogue are the plain nearest items.
        var lists = placed.Recommend(split.EvaluatedUsers, 10, split.Seen);
        for (int x = 0; x < lists.Length; x++)
        {
            int u = split.EvaluatedUsers[x];
            var seen = split.Seen[u].ToHashSet();
            var expected = Enumerable.Range(0, placed.ItemIds.Count).Where(i => !seen.Contains(i)).Select(i => Distance(placed.UserVectors, u, placed.ItemVectors, i)).Order().Take(10).ToArray();
            var got = lists[x].Select(i => Distance(placed.UserVectors, u, placed.ItemVectors, i)).ToArray();
            for (int r = 0; r < 10; r++) Assert.Equal(expected[r], got[r], 4);
        }
        // Items the model knows keep their trained vectors.
        var known = model.EmbedItems(features);
        Assert.Equal(model.ItemVectors.Skip(5 * Dim).Take(Dim), known.Skip(features.IndexOf("i5") * Dim).Take(Dim));
    }

    private static double Distance(float[] users, int u, float[] items, int i)
    {
        double s = 0;
        for (int a = 0; a < Dim; a++) { double d = (double)users[u * Dim + a] - items[i * Dim + a]; s += d * d; }
        return Math.Sqrt(s);
    }

    [Fact]
    public void TheTowerIsDeterministicSavedWithTheModelAndOldFoldersStillLoad()
    {
        var data = PlantedInteractions.Make(users: 24, items: 20, liked: 4, disliked: 2, seed: 4);
        var split = InteractionsSplitter.Split(data, InteractionsSplitMode.LeaveLastOut);
        var features = ItemFeaturesReader.Read(WriteFeatures(data), new ItemFeaturesOptions { CategoricalColumns = ["genres"] });
        var options = Options with { Epochs = 3 };
        var a = new CmlTrainer(options).Fit(split, features, null);
        var b = new CmlTrainer(options).Fit(split, features, null);
        Assert.Equal(a.ItemVectors, b.ItemVectors);
        Assert.Equal(a.Tower!.Weights, b.Tower!.Weights);

        var folder = _dir.File("with-tower");
        var fingerprint = a.Save(folder, options);
        Assert.Contains("\"version\": 2", File.ReadAllText(Path.Combine(folder, CmlModel.ManifestFileName)));
        var (loaded, loadedFingerprint) = CmlModel.Load(folder);
        Assert.Equal(fingerprint, loadedFingerprint);
        Assert.Equal(a.Tower.Weights, loaded.Tower!.Weights);
        Assert.Equal(a.Tower.Schema.InputNames, loaded.Tower.Schema.InputNames);
        var again = ItemFeaturesReader.Read(features.Source, loaded.Tower.Schema);
        Assert.Equal(a.PlaceItems(features).ItemVectors, loaded.PlaceItems(again).ItemVectors);

        // A model without features writes version 1 with no item_features (the folders of older builds) and loads without a tower.
        var plain = new CmlTrainer(options).Fit(split);
        var old = _dir.File("without-tower");
        plain.Save(old, options);
        var json = File.ReadAllText(Path.Combine(old, CmlModel.ManifestFileName));
        Assert.Contains("\"version\": 1", json);
        Assert.DoesNotContain("item_features", json);
        Assert.False(File.Exists(Path.Combine(old, CmlModel.TowerFileName)));
        Assert.Null(CmlModel.Load(old).Model.Tower);
        Assert.Throws<InvalidOperationException>(() => plain.EmbedItems(features));

        // A damaged tower is refused by name.
        File.WriteAllBytes(Path.Combine(folder, CmlModel.TowerFileName), new byte[12]);
        Assert.Contains(CmlModel.TowerFileName, Assert.Throws<ModelFormatException>(() => CmlModel.Load(folder)).Message);
    }

    [Fact]
    public void ATowerWithoutIdEmbeddingsResumesFromItsCheckpointBitIdentically()
    {
        var data = PlantedInteractions.Make(users: 24, items: 20, liked: 4, disliked: 2, seed: 4);
        var split = InteractionsSplitter.Split(data, InteractionsSplitMode.LeaveLastOut);
        var features = ItemFeaturesReader.Read(WriteFeatures(data), new ItemFeaturesOptions { CategoricalColumns = ["genres"] });
        var options = Options with { Epochs = 3, ItemTower = new ItemTowerOptions { HiddenSizes = [8, 8], IdEmbeddings = false } };
        var trainer = new CmlTrainer(options);
        var folder = _dir.File("checkpoint");
        trainer.StateAvailable += (_, state) => { if (state.Epoch == 1) new CmlCheckpoint { DataFingerprint = "d", FeaturesFingerprint = features.Fingerprint() }.Save(folder, state); };
        var straight = trainer.Fit(split, features, null);

        // The checkpoint's items file is empty (no id embeddings); the tower's weights are all there is.
        var (saved, state) = CmlCheckpoint.Load(folder);
        Assert.Equal(1, saved.Epoch);
        Assert.Empty(state.ItemVectors);
        Assert.Equal(ItemFeatureTower.WeightCount(features.Width, [8, 8], Dim), state.Tower!.Length);
        var resumed = new CmlTrainer(options).Fit(split, features, state);
        Assert.Equal(straight.UserVectors, resumed.UserVectors);
        Assert.Equal(straight.ItemVectors, resumed.ItemVectors);
        Assert.Equal(straight.Tower!.Weights, resumed.Tower!.Weights);

        // A state with a tower does not resume a run without features, nor the reverse.
        Assert.Contains("has an item tower", Assert.Throws<ArgumentException>(() => new CmlTrainer(options).Fit(split, null, state)).Message);
        Assert.Contains("has no item tower", Assert.Throws<ArgumentException>(() => new CmlTrainer(options).Fit(split, features, state with { Tower = null })).Message);
    }

    [Fact]
    public void TheToolTrainsWithItemFeaturesAndPlacesNewItems()
    {
        var data = PlantedInteractions.Make();
        var csv = PlantedInteractions.WriteCsv(_dir.File("ratings.csv"), data);
        var items = WriteFeatures(data);
        var run = _dir.File("run");
        var (code, o, e) = CliRunner.Run("train", "--data", csv, "--format", "interactions", "--out", run, "--epochs", "40", "--embedding-dim", "16",
            "--batch-size", "64", "--lr", "0.05", "--threads", "1", "--progress", "quiet", "--item-features", items, "--item-categorical", "genres");
        Assert.True(code == ExitCodes.Ok, o + e);
        var model = Path.Combine(run, "model");
        (code, o, e) = CliRunner.Run("similar", "--model", model, "--item-features", items, "--item", "n1", "--k", "5");
        Assert.True(code == ExitCodes.Ok, o + e);
        var similar = o.Split('\n').Skip(1).Where(l => l.Trim().Length > 0).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).ToList();
        Assert.Equal(5, similar.Count);
        Assert.True(similar.Count(id => int.Parse(id[1..]) % Groups == 1) >= 4, o);
        (code, o, e) = CliRunner.Run("recommend", "--model", model, "--item-features", items, "--user", "u2", "--k", "10", "--exclude-seen");
        Assert.True(code == ExitCodes.Ok, o + e);
        Assert.Contains(" n", o);                                       // new items join the catalogue

        (code, _, e) = CliRunner.Run("similar", "--model", model, "--item", "n1");
        Assert.NotEqual(ExitCodes.Ok, code);
        Assert.Contains("--item n1 is not an item of this model", e);
        Assert.Contains("place it with its features", e);
        var bad = WriteLines("bad.csv", ["movieId,year,genres", "n1,19x0,g1"]);
        (code, _, e) = CliRunner.Run("similar", "--model", model, "--item-features", bad, "--item", "n1");
        Assert.NotEqual(ExitCodes.Ok, code);
        Assert.Contains("bad.csv, line 2: non-numeric feature '19x0' in column 'year'", e);
        (code, _, e) = CliRunner.Run("train", "--data", csv, "--format", "interactions", "--out", _dir.File("run2"), "--hidden-sizes", "8");
        Assert.NotEqual(ExitCodes.Ok, code);
        Assert.Contains("--hidden-sizes", e);
        (code, _, e) = CliRunner.Run("train", "--data", csv, "--format", "interactions", "--out", _dir.File("run3"), "--item-id-dropout", "0.2");
        Assert.NotEqual(ExitCodes.Ok, code);
        Assert.Contains("--item-id-dropout applies to --format interactions only with --item-features", e);
        (code, _, e) = CliRunner.Run("train", "--data", csv, "--format", "interactions", "--out", _dir.File("run4"), "--item-features", items, "--item-categorical", "genres", "--item-id-dropout", "1.5");
        Assert.NotEqual(ExitCodes.Ok, code);
        Assert.Contains("--item-id-dropout must be in [0, 1], got 1.5", e);
    }
}
