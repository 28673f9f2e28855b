using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TripletSharp.Tests.Cli;
using TripletSharp.Tests.Models;

namespace TripletSharp.Tests.Tuples;

/// <summary><c>train --tuples</c> and <c>eval --tuples</c> end to end on a small CSV, and a bad tuples file as one line naming file and line.</summary>
[Collection(InProcessTrainingCollection.Name)]
public class TuplesCliTests
{
    /// <summary>Three separated clusters of 4-d points, 30 rows each; triplets name rows by 0-based data-row id.</summary>
    private static (string Csv, string Triplets) Write(TestFolder dir)
    {
        var rng = new Random(1);
        var csv = new StringBuilder("f0,f1,f2,f3,label\n");
        var label = new int[90];
        for (int i = 0; i < 90; i++)
        {
            label[i] = i % 3;
            csv.Append(string.Join(",", Enumerable.Range(0, 4).Select(k => (k == label[i] ? 3.0 : 0.0) + rng.NextDouble()).Select(v => v.ToString("F4", CultureInfo.InvariantCulture))));
            csv.Append(CultureInfo.InvariantCulture, $",c{label[i]}\n");
        }
        var t = new StringBuilder("anchor,positive,negative\n");
        for (int i = 0; i < 90; i++)
        for (int r = 0; r < 3; r++)
        {
            int p = (i + 3 * (1 + rng.Next(29))) % 90, n = (i + 1 + rng.Next(2)) % 90;
            t.Append(CultureInfo.InvariantCulture, $"{i},{p},{n}\n");
        }
        File.WriteAllText(dir["items.csv"], csv.ToString());
        File.WriteAllText(dir["triplets.csv"], t.ToString());
        return (dir["items.csv"], dir["triplets.csv"]);
    }

    [Fact]
    public void TrainAndEval_WithTriplets_ReportHeldOutTripletAccuracy()
    {
        using var dir = new TestFolder();
        var (csv, triplets) = Write(dir);
        // A CSV has no split of its own: in tuple mode every row can be named, and the held-out triplets are the evaluation.
        var (code, output, err) = CliRunner.Run("train", "--data", csv, "--tuples", triplets, "--epochs", "2", "--threads", "1",
            "--classes-per-batch", "4", "--samples-per-class", "8", "--tuple-negatives", "hardest", "--no-report", "--progress", "plain", "--out", dir["run"]);
        Assert.True(code == 0, err);
        var line = output.Split('\n').Single(l => l.StartsWith("tuples (", StringComparison.Ordinal));
        Assert.Contains("27 triplets", line);
        double accuracy = double.Parse(line.Split("triplet_accuracy ")[1].Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.InRange(accuracy, 0.8, 1.0);
        // The run: line says what a tuple run uses (the tuple file and its extra negatives), not the class miner and P×K.
        var run = output.Split('\n').Single(l => l.StartsWith("run: ", StringComparison.Ordinal));
        Assert.Contains("triplets file, 243 triplets → 243 training triplets, extra negatives hardest, at most 32 rows/batch", run);
        Assert.DoesNotContain("semihard", run);
        Assert.DoesNotContain("P×K", run);
        // metrics.json holds the printed score (no test split: only the tuples' score and the model fingerprint).
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(dir["run"], "metrics.json")))!["tuples"]!;
        Assert.Equal("triplets", (string)metrics["kind"]!);
        Assert.Equal(27, (int)metrics["triplet_count"]!);
        Assert.Equal(accuracy, (double)metrics["triplet_accuracy"]!, 4);
        Assert.Equal(Path.GetFullPath(triplets), (string)metrics["tuples"]!);

        (code, output, err) = CliRunner.Run("eval", "--model", dir["run/model"], "--data", csv, "--tuples", triplets, "--json");
        Assert.True(code == 0, err);
        var node = JsonNode.Parse(output)!["tuples"]!;
        Assert.Equal(270, (int)node["triplet_count"]!);
        Assert.InRange((double)node["triplet_accuracy"]!, 0.8, 1.0);
    }

    [Fact]
    public void Report_OfATupleRun_NamesTheTuplesFile_NotTheClassMiner()
    {
        using var dir = new TestFolder();
        // Pairs among the bundled sample's first 400 training records (record ids); only the report's summary is checked.
        var pairs = new StringBuilder("a,b,same\n");
        for (int i = 0; i < 200; i++) pairs.Append(CultureInfo.InvariantCulture, $"{i},{i + 200},{i % 2}\n");
        File.WriteAllText(dir["pairs.csv"], pairs.ToString());
        var (code, _, err) = CliRunner.Run("train", "--max-test-items", "100", "--tuples", dir["pairs.csv"],
            "--epochs", "1", "--batches-per-epoch", "2", "--threads", "1", "--report-tsne-iterations", "250", "--progress", "quiet", "--out", dir["run"]);
        Assert.True(code == 0, err);
        var summary = TripletSharp.Tests.Reporting.ReportHtml.Summary(File.ReadAllText(Path.Combine(dir["run"], "report.html"))).ToDictionary(s => s.Key, s => s.Value);
        Assert.Equal("tuples from pairs.csv, extra negatives semi-hard", summary["miner"]);
        Assert.Equal("tuple batches, 2 batches/epoch, 0.1 of the tuples held out", summary["batch"]);
    }

    [Fact]
    public void Resume_KeepsTheTrainingSource_TuplesOrClassLabels()
    {
        using var dir = new TestFolder();
        var (csv, triplets) = Write(dir);
        string[] common = ["train", "--data", csv, "--epochs", "1", "--threads", "1", "--classes-per-batch", "3", "--samples-per-class", "4", "--no-report", "--progress", "quiet", "--out", dir["run"]];
        var (code, _, err) = CliRunner.Run([.. common, "--tuples", triplets]);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(dir["run"], "tuples.json")));
        (code, _, err) = CliRunner.Run([.. common, "--resume"]);
        Assert.NotEqual(0, code);
        Assert.Contains("trained from the tuples", err);
        (code, _, err) = CliRunner.Run([.. common, "--resume", "--tuples", triplets]);
        Assert.True(code == 0, err);
    }

    [Fact]
    public void AnIdThatNamesNoItem_IsOneLineNamingFileAndLine()
    {
        using var dir = new TestFolder();
        var (csv, _) = Write(dir);
        File.WriteAllText(dir["bad.csv"], "anchor,positive,negative\n0,3,1\n0,3,900\n");
        var (code, _, err) = CliRunner.Run("train", "--data", csv, "--tuples", dir["bad.csv"], "--epochs", "1", "--progress", "quiet", "--out", dir["run"]);
        Assert.NotEqual(0, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("bad.csv", lines[0]);
        Assert.Contains("line 3", lines[0]);
        Assert.Contains("'900' names no item", lines[0]);
        Assert.False(File.Exists(Path.Combine(dir["run"], "tuples.json")));
    }
}
