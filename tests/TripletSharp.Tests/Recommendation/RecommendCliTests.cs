using System.Text.Json.Nodes;
using TripletSharp.Cli;
using TripletSharp.Recommendation;
using TripletSharp.Tests.Cli;
using TripletSharp.Tests.Data;

namespace TripletSharp.Tests.Recommendation;

/// <summary><c>triplet train --format interactions</c>, <c>recommend</c> and <c>similar</c> end to end on planted data, and their bad-input messages.</summary>
[Collection(InProcessTrainingCollection.Name)]
public sealed class RecommendCliTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Train(out string log)
    {
        var csv = PlantedInteractions.WriteCsv(_dir.File("ratings.csv"), PlantedInteractions.Make());
        var run = _dir.File("run");
        var (code, o, e) = CliRunner.Run("train", "--data", csv, "--format", "interactions", "--out", run, "--epochs", "40", "--embedding-dim", "16",
            "--batch-size", "64", "--lr", "0.05", "--threads", "1", "--progress", "quiet");
        log = o + e;
        Assert.True(code == ExitCodes.Ok, log);
        return run;
    }

    [Fact]
    public void TrainsEvaluatesBesideTheBaselinesAndRecommends()
    {
        var run = Train(out var log);
        foreach (var name in new[] { "cml", "most_popular", "random", "item_knn" }) Assert.Contains(name, log);
        var metrics = RecommendationMetrics.Load(Path.Combine(run, "metrics.json"));
        Assert.Equal(["cml", "most_popular", "random", "item_knn"], metrics.Recommenders.Select(r => r.Name));
        Assert.Equal([10, 50], metrics.Recommenders[0].Metrics.Select(m => m.K));
        Assert.Equal(80, metrics.EvaluatedUsers);
        Assert.True(metrics.Recommenders[0].At(10).Recall >= 0.6, log);
        Assert.Equal(1.0, metrics.Recommenders[3].At(10).Recall);
        Assert.Equal(41, File.ReadAllLines(Path.Combine(run, "history.csv")).Length);

        // recommend --exclude-seen: none of the user's training items, most of its group (u5: group 1).
        var model = Path.Combine(run, "model");
        var (code, o, e) = CliRunner.Run("recommend", "--model", model, "--user", "u5", "--k", "5", "--exclude-seen", "--json");
        Assert.True(code == 0, e);
        var items = JsonNode.Parse(o)!["items"]!.AsArray().Select(n => int.Parse(n!["item"]!.GetValue<string>()[1..])).ToList();
        Assert.Equal(5, items.Count);
        var (m, _) = CmlModel.Load(model);
        Assert.Empty(items.Intersect(m.Seen[m.UserOf("u5")].Select(i => int.Parse(m.ItemIds[i][1..]))));
        Assert.True(items.Count(i => i % 4 == 1) >= 3, string.Join(",", items));
        // Without --exclude-seen, the user's own liked items come first.
        (code, o, _) = CliRunner.Run("recommend", "--model", model, "--user", "u5", "--k", "3");
        Assert.Equal(0, code);
        Assert.Contains("distance", o);

        // similar: mostly the item's group, never the item itself.
        (code, o, e) = CliRunner.Run("similar", "--model", model, "--item", "i6", "--k", "4", "--json");
        Assert.True(code == 0, e);
        var similar = JsonNode.Parse(o)!["items"]!.AsArray().Select(n => n!["item"]!.GetValue<string>()).ToList();
        Assert.DoesNotContain("i6", similar);
        Assert.True(similar.Count(s => int.Parse(s[1..]) % 4 == 2) >= 3, string.Join(",", similar));

        // Unknown ids: one line naming the option, usage exit code.
        (code, _, e) = CliRunner.Run("recommend", "--model", model, "--user", "nobody");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--user nobody is not a user of this model", e);
        (code, _, e) = CliRunner.Run("similar", "--model", model, "--item", "i999");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--item i999 is not an item of this model", e);
        // An embedding model folder, or none: model errors.
        (code, _, e) = CliRunner.Run("recommend", "--model", _dir.Dir("empty"), "--user", "u1");
        Assert.Equal(ExitCodes.Model, code);
        Assert.Contains("not a TripletSharp recommender", e);
    }

    [Fact]
    public void BadInteractionsAreOneLineErrors()
    {
        var csv = _dir.File("bad.csv");
        File.WriteAllText(csv, "userId,movieId,rating,timestamp\n1,2,5,10\n1,3,five,11\n");
        var (code, _, e) = CliRunner.Run("train", "--data", csv, "--format", "interactions", "--out", _dir.File("r1"), "--progress", "quiet");
        Assert.Equal(ExitCodes.Data, code);
        Assert.Contains("bad.csv, line 3: non-numeric rating 'five' in column 'rating' (column 3)", e);

        (code, _, e) = CliRunner.Run("train", "--data", csv, "--format", "interactions", "--miner", "hard", "--out", _dir.File("r2"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--miner does not apply to --format interactions", e);

        (code, _, e) = CliRunner.Run("train", "--data", csv, "--split", "random", "--out", _dir.File("r4"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--split applies only to --format interactions", e);

        // Every user has a single positive: leave-last-out leaves nothing to evaluate, and says so.
        File.WriteAllText(csv, "userId,movieId,rating,timestamp\n1,2,5,10\n2,3,5,11\n3,3,1,12\n");
        (code, _, e) = CliRunner.Run("train", "--data", csv, "--format", "interactions", "--out", _dir.File("r3"), "--progress", "quiet");
        Assert.Equal(ExitCodes.Data, code);
        Assert.Contains("1 user(s) have no rating ≥ 4; skipped", e);
        Assert.Contains("2 user(s) would have no training positive", e);
        Assert.Contains("leaves no user with both training and held-out positives", e);
    }

    [Fact]
    public void EvalResumeAndRecommendAgreeWithTheRun()
    {
        var csv = PlantedInteractions.WriteCsv(_dir.File("ratings.csv"), PlantedInteractions.Make());
        string[] Args(string run, string epochs) => ["train", "--data", csv, "--format", "interactions", "--out", run, "--epochs", epochs, "--embedding-dim", "8",
            "--batch-size", "64", "--lr", "0.05", "--threads", "1", "--negatives", "popularity", "--split", "random", "--test-fraction", "0.25", "--seed", "4", "--progress", "quiet"];

        // Straight to 3 epochs, and 2 epochs resumed to 3: the same metrics.json.
        var straight = _dir.File("straight");
        var (code, o, e) = CliRunner.Run(Args(straight, "3"));
        Assert.True(code == ExitCodes.Ok, o + e);
        Assert.Contains("report", o);
        var resumed = _dir.File("resumed");
        (code, o, e) = CliRunner.Run(Args(resumed, "2"));
        Assert.True(code == ExitCodes.Ok, o + e);
        // A new run into the same folder is refused; --resume takes the data and settings from the run folder.
        (code, _, e) = CliRunner.Run(Args(resumed, "3"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("already holds a run", e);
        (code, o, e) = CliRunner.Run("train", "--format", "interactions", "--out", resumed, "--epochs", "3", "--resume", "--progress", "quiet");
        Assert.True(code == ExitCodes.Ok, o + e);
        Assert.Contains("resuming", e);
        var expected = RecommendationMetrics.Load(Path.Combine(straight, "metrics.json"));
        var got = RecommendationMetrics.Load(Path.Combine(resumed, "metrics.json"));
        Assert.Equal(expected.Recommenders.SelectMany(r => r.Metrics), got.Recommenders.SelectMany(r => r.Metrics));
        (code, _, e) = CliRunner.Run("train", "--format", "interactions", "--out", resumed, "--epochs", "4", "--negatives", "uniform", "--resume");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("other settings", e);

        // eval --format interactions: the numbers the run printed, with the baselines (split and seed from the run).
        (code, o, e) = CliRunner.Run("eval", "--model", Path.Combine(straight, "model"), "--data", csv, "--format", "interactions", "--json");
        Assert.True(code == ExitCodes.Ok, o + e);
        var evaluated = JsonNode.Parse(o)!["recommenders"]!.AsArray();
        Assert.Equal(expected.Recommenders.Select(r => r.Name), evaluated.Select(r => r!["name"]!.GetValue<string>()));
        Assert.Equal(expected.Recommenders.SelectMany(r => r.Metrics.Select(m => m.Recall)), evaluated.SelectMany(r => r!["metrics"]!.AsArray().Select(m => m!["recall"]!.GetValue<double>())));
        (code, o, _) = CliRunner.Run("eval", "--model", Path.Combine(straight, "model"), "--format", "interactions");
        Assert.Equal(ExitCodes.Ok, code);
        foreach (var name in new[] { "cml", "most_popular", "random", "item_knn" }) Assert.Contains(name, o);
        (code, _, e) = CliRunner.Run("eval", "--model", Path.Combine(straight, "model"), "--format", "interactions", "--pairs", csv);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--pairs does not apply to --format interactions", e);

        // recommend --exclude-seen lists what the model's own Recommend (the evaluation's lists) gives.
        var (m, _) = CmlModel.Load(Path.Combine(straight, "model"));
        foreach (var user in new[] { "u0", "u17", "u42" })
        {
            (code, o, e) = CliRunner.Run("recommend", "--model", Path.Combine(straight, "model"), "--user", user, "--k", "7", "--exclude-seen", "--json");
            Assert.True(code == 0, e);
            var listed = JsonNode.Parse(o)!["items"]!.AsArray().Select(n => n!["item"]!.GetValue<string>());
            Assert.Equal(m.Recommend([m.UserOf(user)], 7, m.Seen)[0].Select(i => m.ItemIds[i]), listed);
        }
    }
}
