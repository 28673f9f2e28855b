using System.Text.Json.Nodes;
using Parquet;
using TripletSharp.Cli;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Tests.Models;

namespace TripletSharp.Tests.Cli;

/// <summary>train → save → load → eval → embed → search through the CLI, on a small slice of the bundled sample.</summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class EndToEndTests
{
    private static readonly string[] MetricKeys =
        ["precision_at_1", "r_precision", "map_at_r", "recall_at_1", "recall_at_2", "recall_at_4", "recall_at_8", "nmi", "knn_accuracy"];

    [Fact]
    public async Task TrainEvalEmbedSearch_ThroughTheCli()
    {
        using var dir = new TestFolder("ts-e2e");
        var run = dir["run"];

        // train: 2 tiny epochs on 400 + 200 bundled images
        var (code, output, err) = CliRunner.Run("train", "--max-train-items", "400", "--max-test-items", "200", "--epochs", "2",
            "--batches-per-epoch", "3", "--classes-per-batch", "4", "--samples-per-class", "8", "--threads", "2", "--seed", "1",
            "--progress", "plain", "--out", run);
        Assert.True(code == 0, err);
        Assert.Contains("400 train + 200 test items", output);
        Assert.Contains("epoch 2/2", output);
        Assert.Contains("done: best epoch", output);
        foreach (var f in new[] { "config.json", "history.csv", "metrics.json", "model/model.json", "checkpoint/checkpoint.json" })
            Assert.True(File.Exists(Path.Combine(run, f)), f);
        var metrics = Reliability.MetricsJson.Numbers(Path.Combine(run, "metrics.json"));
        Assert.Equal(MetricKeys, metrics.Select(kv => kv.Key));
        foreach (var (k, v) in metrics) Assert.InRange(v!.GetValue<double>(), 0, 1);
        Assert.True(metrics["precision_at_1"]!.GetValue<double>() > 0.3, "even 6 batches beat chance (0.1) on Fashion-MNIST");
        Assert.Equal(3, File.ReadAllLines(Path.Combine(run, "history.csv")).Length);

        // eval (the model's own data and slice): the same numbers as metrics.json
        (code, output, err) = CliRunner.Run("eval", "--model", Path.Combine(run, "model"), "--json");
        Assert.True(code == 0, err);
        var eval = JsonNode.Parse(output)!.AsObject();
        foreach (var k in MetricKeys) Assert.Equal(metrics[k]!.GetValue<double>(), eval[k]!.GetValue<double>(), 6);
        Assert.Equal(200, eval["items"]!.GetValue<int>());
        Assert.InRange(eval["verification"]!["roc_auc"]!.GetValue<double>(), 0.5, 1);
        (code, output, _) = CliRunner.Run("eval", "--model", Path.Combine(run, "model"));
        Assert.Equal(0, code);
        Assert.Contains("map_at_r", output);
        Assert.Contains("roc_auc", output);

        // embed to the three formats: 600 rows (train slice then test slice)
        foreach (var ext in new[] { "csv", "npy", "parquet" })
        {
            var file = dir[$"emb.{ext}"];
            (code, output, err) = CliRunner.Run("embed", "--model", Path.Combine(run, "model"), "--out", file);
            Assert.True(code == 0, err);
            Assert.Contains("wrote 600 embeddings of dimension 64", output);
        }
        var csv = File.ReadAllLines(dir["emb.csv"]);
        Assert.Equal(601, csv.Length);
        Assert.StartsWith("label,class,split,item,e0,e1,", csv[0]);
        Assert.Equal(4 + 64, csv[0].Split(',').Length);
        var row = csv[1].Split(',');
        var vector = row.Skip(4).Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => v * v)), 4);
        Assert.Equal(200, csv.Count(l => l.Split(',')[2] == "test"));

        var npy = File.ReadAllBytes(dir["emb.npy"]);
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, npy[..8]);
        int headerLength = BitConverter.ToUInt16(npy, 8);
        var header = System.Text.Encoding.ASCII.GetString(npy, 10, headerLength);
        Assert.Equal(0, (10 + headerLength) % 64);
        Assert.Contains("'shape': (600,)", header);
        Assert.Contains("('embedding', '<f4', (64,))", header);
        var m = System.Text.RegularExpressions.Regex.Match(header, @"'<U(\d+)'\), \('split', '<U5'\), \('item', '<U(\d+)'\)");
        Assert.True(m.Success, header);
        int recordSize = 8 + 4 * int.Parse(m.Groups[1].Value) + 4 * 5 + 4 * int.Parse(m.Groups[2].Value) + 4 * 64;
        Assert.Equal(10 + headerLength + 600L * recordSize, npy.LongLength);

        await using (var stream = File.OpenRead(dir["emb.parquet"]))
        await using (var reader = await ParquetReader.CreateAsync(stream))
        {
            Assert.Equal(600, reader.RowGroups.Sum(g => g.RowCount));
            var names = reader.Schema.GetDataFields().Select(f => f.Name).ToArray();
            Assert.Equal(["label", "class", "split", "item", "e0"], names[..5]);
            Assert.Equal(4 + 64, names.Length);
        }

        // search: 3 queries of the bundled test split against a small IDX gallery written from the slice
        var gallery = dir["gallery"];
        WriteIdxFolder(gallery, 40, 20);
        (code, output, err) = CliRunner.Run("search", "--model", Path.Combine(run, "model"), "--gallery", gallery, "--query", gallery, "--k", "3", "--max-queries", "4", "--json");
        Assert.True(code == 0, err);
        var results = JsonNode.Parse(output)!.AsArray();
        Assert.Equal(4, results.Count);
        foreach (var r in results)
        {
            var neighbours = r!["neighbors"]!.AsArray();
            Assert.Equal(3, neighbours.Count);
            // query = gallery: each query finds itself first, at distance 0
            Assert.Equal(r["query"]!.GetValue<string>(), neighbours[0]!["item"]!.GetValue<string>());
            Assert.Equal(0.0, neighbours[0]!["distance"]!.GetValue<double>(), 3);
            var d = neighbours.Select(n => n!["distance"]!.GetValue<double>()).ToArray();
            Assert.Equal(d.Order().ToArray(), d);
        }
        (code, output, _) = CliRunner.Run("search", "--model", Path.Combine(run, "model"), "--gallery", gallery, "--query", gallery, "--max-queries", "2");
        Assert.Equal(0, code);
        Assert.Contains("2 queries against 60 gallery items", output);

        // a model applied to data of another shape: one clear line, model exit code, nothing written
        var colour = dir["colour.csv"];
        File.WriteAllText(colour, "label,a,b\n0,1,2\n1,3,4\n0,5,6\n1,7,8\n0,1,1\n1,2,2\n");
        (code, _, err) = CliRunner.Run("embed", "--model", Path.Combine(run, "model"), "--data", colour, "--out", dir["bad.csv"]);
        Assert.Equal(ExitCodes.Model, code);
        Assert.Contains("expects grey images 1×28×28", err);
        Assert.False(File.Exists(dir["bad.csv"]));
    }

    [Fact]
    public void Interrupt_WritesACheckpoint_PrintsTheResumeHint_AndResumeFinishes()
    {
        using var dir = new TestFolder("ts-int");
        var run = dir["run"];
        string[] args = ["train", "--max-train-items", "200", "--max-test-items", "100", "--epochs", "1", "--batches-per-epoch", "2",
            "--classes-per-batch", "4", "--samples-per-class", "4", "--threads", "1", "--progress", "quiet", "--out", run];
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var (code, _, err) = CliRunner.Run(cancelled.Token, args);
        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Contains("interrupted at epoch 1, batch 0", err);
        Assert.Contains($"Resume with: triplet train --out {run} --resume", err);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        (code, _, err) = CliRunner.Run(args);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--out", err);

        (code, var output, err) = CliRunner.Run("train", "--out", run, "--resume", "--progress", "quiet");
        Assert.True(code == 0, err);
        Assert.Contains("done: best epoch 1", output);
        Assert.True(File.Exists(Path.Combine(run, "metrics.json")));
    }

    /// <summary>A small IDX folder (train/t10k) holding the first items of the bundled sample's slices.</summary>
    private static void WriteIdxFolder(string folder, int train, int test)
    {
        Directory.CreateDirectory(folder);
        using var split = DatasetLoader.Load(new DataOptions { MaxTrainItems = train, MaxTestItems = test });
        foreach (var (d, prefix) in new[] { (split.Train, "train"), (split.Test, "t10k") })
        {
            var pixels = d.Features.mul(255).round().to_type(TorchSharp.torch.ScalarType.Byte).contiguous().data<byte>().ToArray();
            IdxWriter.WriteImages(Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"), new IdxImages(pixels, d.Count, 28, 28));
            IdxWriter.WriteLabels(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz"), d.Labels.Select(l => (byte)l).ToArray());
        }
    }
}
