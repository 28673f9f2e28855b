using System.Text.Json.Nodes;
using TripletSharp.Cli;
using TripletSharp.Evaluation;
using TripletSharp.Models;
using TripletSharp.Tests.Cli;
using TripletSharp.Tests.Models;
using TripletSharp.Training;

namespace TripletSharp.Tests.Reliability;

/// <summary>
/// Issue 15 item 22: a run's <c>checkpoint.json</c> and <c>metrics.json</c> name the model they belong to; a model folder
/// swapped in from another run is refused by <c>train --resume</c>, <c>report</c> and <c>eval</c> (exit 4, both
/// fingerprints and both files named), and runs written before the field existed still load with a one-line notice.
/// </summary>
[Collection(InProcessTrainingCollection.Name)]
public class SwappedModelTests
{
    private static string[] TrainArgs(string data, string run, params string[] more) =>
        ["train", "--data", data, "--out", run, "--epochs", "2", "--classes-per-batch", "2", "--samples-per-class", "4", "--batches-per-epoch", "2", "--no-report", "--progress", "quiet", .. more];

    private static string Recorded(string path) => (string)JsonNode.Parse(File.ReadAllText(path))![RunFolder.ModelFingerprintKey]!;

    private static (string A, string B) TwoRuns(TestFolder dir)
    {
        var csv = ReliabilityCliTestsData.Csv(dir["d.csv"]);
        var (a, b) = (dir["a"], dir["b"]);
        foreach (var (run, seed) in new[] { (a, "1"), (b, "2") })
        {
            var (code, _, err) = CliRunner.Run(TrainArgs(csv, run, "--seed", seed));
            Assert.True(code == 0, err);
        }
        return (a, b);
    }

    [Fact]
    public void TheRunFilesNameTheModelFolder_AndTheNumbersAreThoseOfTheMetrics()
    {
        using var dir = new TestFolder();
        var (a, _) = TwoRuns(dir);
        var run = new RunFolder(a);
        var model = ModelFingerprint.Compute(run.ModelDirectory);
        Assert.Equal(model, Recorded(run.MetricsPath));
        Assert.Equal(model, Recorded(Path.Combine(run.CheckpointDirectory, "checkpoint.json")));
        // The numbers are written exactly as before; the fingerprint is one more key at the end.
        var text = File.ReadAllText(run.MetricsPath);
        var metrics = run.ReadMetrics()!;
        var withoutKey = metrics.ToJson().TrimEnd('\n');
        Assert.StartsWith(withoutKey[..^2], text, StringComparison.Ordinal); // all but the closing "\n}"
        Assert.Equal(JsonNode.Parse(metrics.ToJson())!.ToJsonString(), MetricsJson.NumbersText(run.MetricsPath));
        Assert.Equal(RetrievalMetrics.FromJson(text).ToDictionary(), metrics.ToDictionary());
    }

    [Fact]
    public void SwappedModelFolders_AreRefusedByResumeReportAndEval_NamingBothFingerprintsAndFiles()
    {
        using var dir = new TestFolder();
        var (a, b) = TwoRuns(dir);
        var (runA, runB) = (new RunFolder(a), new RunFolder(b));
        var (fa, fb) = (ModelFingerprint.Compute(runA.ModelDirectory), ModelFingerprint.Compute(runB.ModelDirectory));
        Assert.NotEqual(fa, fb);
        var swap = dir["swap"];
        Directory.Move(runA.ModelDirectory, swap);
        Directory.Move(runB.ModelDirectory, runA.ModelDirectory);
        Directory.Move(swap, runB.ModelDirectory);

        var checkpointA = Path.Combine(runA.CheckpointDirectory, "checkpoint.json");
        var manifestA = Path.Combine(runA.ModelDirectory, "model.json");
        var (code, output, err) = CliRunner.Run("train", "--out", a, "--resume", "--progress", "quiet");
        Assert.Equal(ExitCodes.Model, code);
        Assert.Contains(checkpointA, err);
        Assert.Contains(manifestA, err);
        Assert.Contains($"records model fingerprint {fa}", err);
        Assert.Contains($"have fingerprint {fb}", err);
        Assert.DoesNotContain("precision_at_1", output); // no metrics printed for a model that is not there

        (code, _, err) = CliRunner.Run("report", "--model", runA.ModelDirectory, "--out", dir["r.html"], "--no-tsne");
        Assert.Equal(ExitCodes.Model, code);
        Assert.Contains(fa, err);
        Assert.Contains(fb, err);
        Assert.Contains(manifestA, err);
        Assert.False(File.Exists(dir["r.html"]));

        (code, _, err) = CliRunner.Run("eval", "--model", runB.ModelDirectory);
        Assert.Equal(ExitCodes.Model, code);
        Assert.Contains(fa, err);
        Assert.Contains(fb, err);

        // Swapped back, both runs are whole again.
        Directory.Move(runA.ModelDirectory, swap);
        Directory.Move(runB.ModelDirectory, runA.ModelDirectory);
        Directory.Move(swap, runB.ModelDirectory);
        (code, output, err) = CliRunner.Run("train", "--out", a, "--resume", "--progress", "quiet");
        Assert.True(code == 0, err);
        Assert.Contains("done: best epoch", output);
        Assert.DoesNotContain("fingerprint", err);
    }

    [Fact]
    public void AModelFolderDeletedFromAFinishedRun_IsNamedOnResume()
    {
        using var dir = new TestFolder();
        var (a, _) = TwoRuns(dir);
        var run = new RunFolder(a);
        Directory.Delete(run.ModelDirectory, recursive: true);
        var (code, output, err) = CliRunner.Run("train", "--out", a, "--resume", "--progress", "quiet");
        Assert.Equal(ExitCodes.Model, code);
        Assert.Contains(run.ModelDirectory, err);
        Assert.Contains("holds no model", err);
        Assert.DoesNotContain("precision_at_1", output);
    }

    [Fact]
    public void AnOldRunWithoutFingerprints_StillLoads_WithOneNotice()
    {
        using var dir = new TestFolder();
        var (a, _) = TwoRuns(dir);
        var run = new RunFolder(a);
        foreach (var path in new[] { run.MetricsPath, Path.Combine(run.CheckpointDirectory, "checkpoint.json") })
        {
            var node = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            Assert.True(node.Remove(RunFolder.ModelFingerprintKey));
            File.WriteAllText(path, node.ToJsonString());
        }
        var (code, output, err) = CliRunner.Run("train", "--out", a, "--resume", "--progress", "plain");
        Assert.True(code == 0, err);
        Assert.Contains("done: best epoch", output);
        Assert.Single((output + err).Split('\n'), l => l.Contains("written before model fingerprints were recorded", StringComparison.Ordinal));

        (code, _, err) = CliRunner.Run("report", "--model", run.ModelDirectory, "--out", dir["r.html"], "--no-tsne");
        Assert.True(code == 0, err);
        Assert.Single(err.Split('\n'), l => l.StartsWith("triplet report: note: ", StringComparison.Ordinal) && l.Contains("not checked", StringComparison.Ordinal));
        Assert.True(File.Exists(dir["r.html"]));

        (code, _, err) = CliRunner.Run("eval", "--model", run.ModelDirectory);
        Assert.True(code == 0, err);
        Assert.Contains("triplet eval: note: ", err);
    }

    [Fact]
    public void AModelSavedAfterTheCheckpoint_IsAcceptedOnResumeOnly_WhenItIsFromALaterEpochOnTheSameData()
    {
        // A stop between saving the best model and saving the checkpoint leaves a model from the epoch in progress.
        using var dir = new TestFolder();
        var (a, _) = TwoRuns(dir);
        var run = new RunFolder(a);
        File.Delete(run.MetricsPath); // a run in progress has none yet
        var manifest = Path.Combine(run.ModelDirectory, "model.json");
        var node = JsonNode.Parse(File.ReadAllText(manifest))!;
        node["training"]!["best_epoch"] = 3; // after the checkpoint's 2 complete epochs
        File.WriteAllText(manifest, node.ToJsonString());
        run.VerifyModelFingerprint(null, allowModelAhead: true);
        Assert.Throws<ModelFormatException>(() => run.VerifyModelFingerprint(null));

        node["training"]!["data"]!["fingerprint"] = "other data";
        File.WriteAllText(manifest, node.ToJsonString());
        Assert.Throws<ModelFormatException>(() => run.VerifyModelFingerprint(null, allowModelAhead: true));
    }

    [Fact]
    public void ATamperedFingerprintField_IsExit4NamingTheField()
    {
        using var dir = new TestFolder();
        var (a, _) = TwoRuns(dir);
        var checkpoint = Path.Combine(new RunFolder(a).CheckpointDirectory, "checkpoint.json");
        var node = JsonNode.Parse(File.ReadAllText(checkpoint))!;
        node[RunFolder.ModelFingerprintKey] = "not-hex";
        File.WriteAllText(checkpoint, node.ToJsonString());
        var (code, _, err) = CliRunner.Run("train", "--out", a, "--resume", "--progress", "quiet");
        Assert.Equal(ExitCodes.Model, code);
        Assert.Contains("field 'model_fingerprint'", err);
    }
}
