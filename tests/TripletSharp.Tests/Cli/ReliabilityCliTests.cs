using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TripletSharp.Cli;
using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Models;
using TripletSharp.Tests.Models;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Cli;

/// <summary>Issue 15 through the tool: stored data paths, capped threads, tampered checkpoints, output paths, pairs files.</summary>
[Collection(InProcessTrainingCollection.Name)]
public class ReliabilityCliTests
{
    private static string Csv(string path, int classes = 4, int perClass = 20)
    {
        var sb = new StringBuilder("label,a,b,c\n");
        var rng = new Random(1);
        for (int c = 0; c < classes; c++)
            for (int i = 0; i < perClass; i++)
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"k{c},{c + rng.NextDouble() * 0.1},{-c + rng.NextDouble() * 0.1},{rng.NextDouble()}"));
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Fact]
    public void RelativeDataIsStoredAbsolute_ThreadsAreCapped_AndATamperedCheckpointIsExit4()
    {
        using var dir = new TestFolder();
        var csv = Csv(dir["d.csv"]);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, csv);
        Assert.False(Path.IsPathRooted(relative));
        var run = dir["run"];
        var (code, _, err) = CliRunner.Run("train", "--data", relative, "--out", run, "--epochs", "1", "--classes-per-batch", "2", "--samples-per-class", "4",
            "--batches-per-epoch", "2", "--threads", "4096", "--no-report", "--progress", "quiet");
        Assert.True(code == 0, err);
        Assert.Contains($"note: --threads 4096 is more than this machine's {Environment.ProcessorCount} cores; using {Environment.ProcessorCount}.", err);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json")))!;
        Assert.Equal(csv, (string)config["data"]!["path"]!);
        Assert.Equal(Environment.ProcessorCount, (int)config["trainer"]!["threads"]!);

        var checkpoint = Path.Combine(run, "checkpoint", "checkpoint.json");
        var node = JsonNode.Parse(File.ReadAllText(checkpoint))!;
        node["epoch"] = 99;
        File.WriteAllText(checkpoint, node.ToJsonString());
        (code, _, err) = CliRunner.Run("train", "--out", run, "--resume", "--progress", "quiet");
        Assert.Equal(ExitCodes.Model, code);
        Assert.Contains(checkpoint, err);
        Assert.Contains("field 'epoch'", err);
    }

    [Fact]
    public void AStoredRelativeDataPathIsFoundBesideTheRunFolder()
    {
        using var dir = new TestFolder();
        Directory.CreateDirectory(dir["runs/r1/model"]);
        Csv(dir["d.csv"]);
        var options = new DataOptions { Path = "d.csv" };
        var found = options.WithPathFound(dir["runs/r1"]);
        Assert.Equal(dir["d.csv"], found.Path);
        Assert.Same(options, new DataOptions { Path = "/abs/x.csv" } is var abs && abs.WithPathFound(dir["runs/r1"]) == abs ? options : null);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("existing file")]
    [InlineData("under a file")]
    [InlineData("tensorboard file")]
    public void OutputPathsThatCannotBeFoldersNameTheOption(string kind)
    {
        using var dir = new TestFolder();
        File.WriteAllText(dir["f"], "x");
        string[] args = kind switch
        {
            "empty" => ["train", "--out", ""],
            "existing file" => ["train", "--out", dir["f"]],
            "under a file" => ["train", "--out", Path.Combine(dir["f"], "sub")],
            _ => ["train", "--out", dir["run"], "--tensorboard", dir["f"]],
        };
        var (code, _, err) = CliRunner.Run(args);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(kind == "tensorboard file" ? "--tensorboard" : "--out", err);
        Assert.False(Directory.Exists(dir["run"]));
    }

    [Fact]
    public void AnAmbiguousBareFileNameInAPairsFileIsAnErrorListingTheCandidates()
    {
        using var dir = new TestFolder();
        var pairs = dir["pairs.csv"];
        File.WriteAllText(pairs, "img000.png,c1/img001.png,1\n");
        using var set = new EmbeddingSet(zeros(3, 2), [0, 1, 1], ["c0", "c1"], ["c0/img000.png", "c1/img000.png", "c1/img001.png"], ["test", "test", "test"]);
        var e = Assert.Throws<DataFormatException>(() => PairMatcher.Match(pairs, set));
        Assert.Contains("ambiguous", e.Message);
        Assert.Contains("c0/img000.png", e.Message);
        Assert.Contains("c1/img000.png", e.Message);
    }

    [Fact]
    public void TooFewPairsForTenFoldAndNoFiniteThresholdAreSaid()
    {
        Assert.Contains("too few pairs for 10-fold: 2", EvalCommand.Accuracy(new VerificationMetrics(1, 1, 0, 0, 0.5, 2, [], [])));
        Assert.Contains("no finite threshold", EvalCommand.Accuracy(new VerificationMetrics(double.NaN, 0, 1, 0, double.NegativeInfinity, 40, [], [])));
        Assert.StartsWith("accuracy 0.9000", EvalCommand.Accuracy(new VerificationMetrics(1, 1, 0.9, 0.1, 0.5, 40, [], [])));
    }

    [Fact]
    public void APairsFileWhoseOnlyLineHasABadSameValueSaysSo()
    {
        using var dir = new TestFolder();
        var pairs = dir["p.csv"];
        File.WriteAllText(pairs, "a.png,b.png,maybe\n");
        var e = Assert.Throws<DataFormatException>(() => PairsFile.Read(pairs));
        Assert.Contains("taken for a header", e.Message);
        Assert.Contains("'maybe'", e.Message);
        Assert.Equal(1, e.Record);
    }
}

/// <summary>One writer per run folder; a resume on other data is refused naming what differs.</summary>
[Collection(InProcessTrainingCollection.Name)]
public class RunFolderGuardTests
{
    private static string[] TrainArgs(string data, string run, params string[] more) =>
        ["train", "--data", data, "--out", run, "--epochs", "2", "--classes-per-batch", "2", "--samples-per-class", "4", "--batches-per-epoch", "2", "--no-report", "--progress", "quiet", .. more];

    [Fact]
    public void ASecondWriterIsRefused_AndAStaleLockIsTakenOver()
    {
        using var dir = new TestFolder();
        var csv = ReliabilityCliTestsData.Csv(dir["d.csv"]);
        var run = dir["run"];
        var folder = new TripletSharp.Training.RunFolder(run);
        using (folder.Lock())
        {
            Assert.Throws<IOException>(() => folder.Lock().Dispose());
            var (code, _, err) = CliRunner.Run(TrainArgs(csv, run));
            Assert.Equal(ExitCodes.Io, code);
            Assert.Contains("is in use: another training process", err);
            Assert.False(File.Exists(Path.Combine(run, "config.json")));
        }
        Assert.True(File.Exists(folder.LockPath)); // left behind, as after a crash: stale, and taken over
        var (code2, _, err2) = CliRunner.Run(TrainArgs(csv, run));
        Assert.True(code2 == 0, err2);
    }

    [Fact]
    public void AResumeOnOtherDataWithTheSameClassesAndCountsIsRefusedNamingWhatDiffers()
    {
        using var dir = new TestFolder();
        var csv = ReliabilityCliTestsData.Csv(dir["d.csv"]);
        var run = dir["run"];
        var (code, _, err) = CliRunner.Run(TrainArgs(csv, run));
        Assert.True(code == 0, err);
        ReliabilityCliTestsData.Csv(csv, seed: 2); // same classes and counts, other values
        (code, _, err) = CliRunner.Run(TrainArgs(csv, run, "--resume"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("trained on other data", err);
        Assert.Contains("content: the same classes, counts and labels, but other item values", err);
    }
}

internal static class ReliabilityCliTestsData
{
    public static string Csv(string path, int classes = 4, int perClass = 20, int seed = 1)
    {
        var sb = new StringBuilder("label,a,b,c\n");
        var rng = new Random(seed);
        for (int c = 0; c < classes; c++)
            for (int i = 0; i < perClass; i++)
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"k{c},{c + rng.NextDouble() * 0.1},{-c + rng.NextDouble() * 0.1},{rng.NextDouble()}"));
        File.WriteAllText(path, sb.ToString());
        return path;
    }
}
