using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TripletSharp.Data;
using TripletSharp.Tests.Models;

namespace TripletSharp.Tests.MultiLabel;

/// <summary>Multi-label CSV cells (<c>a|b</c>) through the reader, and through <c>triplet train</c> and <c>eval</c>.</summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class MultiLabelDataTests
{
    [Fact]
    public void PipeSeparatedCellsAreLabelSetsAndTheFirstLabelIsTheSamplingLabel()
    {
        using var dir = new TestFolder("ts-ml-csv");
        var path = dir["ml.csv"];
        File.WriteAllText(path, "label,a,b\nshirt|tops,1,2\ntops,3,4\n\"coat | tops | shirt\",5,6\nshoe,7,8\n");
        using var data = CsvDatasetReader.Read(path);
        Assert.Equal(new[] { "coat", "shirt", "shoe", "tops" }, data.ClassNames);
        Assert.Equal(new long[] { 1, 3, 0, 2 }, data.Labels);
        Assert.Equal(new[] { new long[] { 1, 3 }, new long[] { 3 }, new long[] { 0, 3, 1 }, new long[] { 2 } }, data.LabelSets!);
        // A subset keeps the sets.
        using var part = data.Subset(new[] { 2, 0 });
        Assert.Equal(new[] { new long[] { 0, 3, 1 }, new long[] { 1, 3 } }, part.LabelSets!);

        // Without a '|' nothing changes.
        File.WriteAllText(path, "label,a\nx,1\ny,2\n");
        using var single = CsvDatasetReader.Read(path);
        Assert.Null(single.LabelSets);

        // An empty label between separators names the line.
        File.WriteAllText(path, "label,a\nx|y,1\nx||y,2\n");
        var e = Assert.Throws<DataFormatException>(() => CsvDatasetReader.Read(path));
        Assert.Contains("line 3", e.Message);
        Assert.Contains("empty label", e.Message);
    }

    /// <summary>Four base classes in 2-D clusters; classes 0 and 1 also carry the super-label "A", 2 and 3 "B".</summary>
    internal static void WriteMultiLabelCsv(string path, int perClass, int seed)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder("label,x,y,z\n");
        for (int i = 0; i < 4 * perClass; i++)
        {
            int c = i % 4;
            double x = (c % 2) * 3 + rng.NextDouble(), y = (c / 2) * 3 + rng.NextDouble(), z = rng.NextDouble();
            sb.Append(CultureInfo.InvariantCulture, $"c{c}|{(c < 2 ? "A" : "B")},{x:F4},{y:F4},{z:F4}\n");
        }
        File.WriteAllText(path, sb.ToString());
    }

    [Fact]
    public void TrainAndEvalOnMultiLabelCsvWriteMultiLabelMetrics()
    {
        using var dir = new TestFolder("ts-ml-cli");
        var csv = dir["ml.csv"];
        WriteMultiLabelCsv(csv, 40, 1);
        var run = dir["run"];
        var (code, _, err) = TripletSharp.Tests.Cli.CliRunner.Run("train", "--data", csv, "--epochs", "2", "--batches-per-epoch", "4",
            "--classes-per-batch", "4", "--samples-per-class", "4", "--threads", "1", "--seed", "1", "--progress", "quiet", "--out", run);
        Assert.True(code == 0, err);
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")))!.AsObject();
        Assert.Equal("multi-label", metrics["labels"]!.GetValue<string>());
        Assert.Null(metrics["knn_accuracy"]);
        Assert.InRange(metrics["map_at_r"]!.GetValue<double>(), 0, 1);
        (code, var output, err) = TripletSharp.Tests.Cli.CliRunner.Run("eval", "--model", Path.Combine(run, "model"), "--json");
        Assert.True(code == 0, err);
        var eval = JsonNode.Parse(output)!.AsObject();
        Assert.Equal("multi-label", eval["labels"]!.GetValue<string>());
        Assert.Equal(metrics["map_at_r"]!.GetValue<double>(), eval["map_at_r"]!.GetValue<double>(), 6);
        Assert.Equal(eval["items"]!.GetValue<int>(), eval["label_counts"]!["multi_label_items"]!.GetValue<int>());
        Assert.Equal(2.0, eval["label_counts"]!["mean_labels_per_item"]!.GetValue<double>());
        // The text output counts the labels (a line under data) of the evaluated items: every item carries two (a base class and a super-label).
        (code, output, err) = TripletSharp.Tests.Cli.CliRunner.Run("eval", "--model", Path.Combine(run, "model"));
        Assert.True(code == 0, err);
        var labels = output.Split('\n').Single(l => l.StartsWith("       multi-label: ", StringComparison.Ordinal)).TrimStart();
        int n = eval["items"]!.GetValue<int>();
        Assert.StartsWith($"multi-label: {n} of {n} items carry more than one label, 2.00 labels per item on average; items per label: ", labels);
        // config.json records the training split's counts: each super-label on half the items, each base class on a quarter.
        var counts = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json")))!["data_summary"]!["labels"]!;
        var perLabel = counts["items_per_label"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        int trainItems = counts["item_count"]!.GetValue<int>();
        Assert.Equal(trainItems, counts["multi_label_items"]!.GetValue<int>());
        Assert.Equal(2 * trainItems, perLabel.Sum());
    }
}
