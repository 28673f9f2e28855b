using System.Globalization;
using System.Text.Json.Nodes;
using TorchSharp;
using TripletSharp.Cli;
using TripletSharp.Data;
using TripletSharp.Distances;
using TripletSharp.Models;
using TripletSharp.Search;
using TripletSharp.Tests.Models;

namespace TripletSharp.Tests.Cli;

/// <summary>
/// index build/add/info, search --index, calibrate and match through the CLI on a small MLP model and CSV data: the
/// happy path checked against the library, and every bad input of issue 10 §4 as one line and an exit code.
/// </summary>
[Collection(InProcessTrainingCollection.Name)]
public class IndexCliTests
{
    private const int Features = 4;

    /// <summary>An MLP model of 4 features → 3-d, of distance <paramref name="distance"/>, trained on nothing (seeded weights).</summary>
    private static string SaveModel(string dir, int seed = 0, string distance = "euclidean")
    {
        torch.manual_seed(seed);
        var arch = new ModelArchitecture { Kind = ModelKind.Mlp, InputShape = [Features], EmbeddingDim = 3, HiddenSizes = [8] };
        var input = new ModelInput { Kind = DataKind.Vectors, ItemShape = [Features], Data = new DataOptions { Path = "some/data.csv" } };
        var training = new JsonObject { ["options"] = new JsonObject { ["distance"] = distance } };
        using var b = new ModelBundle(arch.Create(), arch, input, ["a", "b", "c", "d"], training);
        b.Save(dir);
        return dir;
    }

    /// <summary>A CSV of <paramref name="perClass"/> items of each class: class c sits near c·e_c (well apart), with a little noise.</summary>
    private static string WriteCsv(string path, string[] classes, int perClass, int features = Features, int seed = 1)
    {
        var rng = new Random(seed);
        var lines = new List<string> { "label," + string.Join(',', Enumerable.Range(0, features).Select(j => $"f{j}")) };
        for (int c = 0; c < classes.Length; c++)
        for (int i = 0; i < perClass; i++)
            lines.Add(classes[c] + "," + string.Join(',', Enumerable.Range(0, features).Select(j =>
                ((j == c % features ? 3.0 * (c + 1) : 0) + 0.05 * (rng.NextDouble() - 0.5)).ToString("R", CultureInfo.InvariantCulture))));
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    private static string OneLine(string err)
    {
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.DoesNotContain("   at ", err);
        return lines[0];
    }

    private static string Build(TestFolder dir, string model, string data, string name = "index", params string[] extra)
    {
        var (code, _, err) = CliRunner.Run(["index", "build", "--model", model, "--data", data, "--out", dir[name], .. extra]);
        Assert.True(code == 0, err);
        return dir[name];
    }

    [Fact]
    public void BuildInfoAddSearchCalibrateMatch_AgreeWithTheLibrary()
    {
        using var dir = new TestFolder();
        var model = SaveModel(dir["model"]);
        var gallery = WriteCsv(dir["gallery.csv"], ["a", "b", "c"], 8);
        var index = Build(dir, model, gallery, "index", "--kind", "hnsw", "--connectivity", "8", "--expansion-add", "32", "--expansion-search", "16");

        var (code, output, err) = CliRunner.Run("index", "info", "--index", index, "--json");
        Assert.True(code == 0, err);
        var info = JsonNode.Parse(output)!;
        Assert.Equal(24, info["items"]!.GetValue<int>());
        Assert.Equal(3, info["dimension"]!.GetValue<int>());
        Assert.Equal("hnsw", info["kind"]!.GetValue<string>());
        Assert.Equal(8, info["hnsw"]!["connectivity"]!.GetValue<int>());
        Assert.Equal(ModelFingerprint.Compute(model), info["model_fingerprint"]!.GetValue<string>());
        Assert.Null(info["calibration"]);

        // add: only items whose ids are new are embedded; the same file again adds nothing
        var more = WriteCsv(dir["more.csv"], ["a", "b", "c", "d"], 10, seed: 2);
        (code, output, err) = CliRunner.Run("index", "add", "--index", index, "--data", more);
        Assert.True(code == 0, err);
        Assert.Contains("now holds", output);
        using (var opened = EmbeddingIndex.Open(index))
        {
            Assert.Equal(["a", "b", "c", "d"], opened.ClassNames);
            int added = opened.Count - 24;
            Assert.True(added > 0 && added <= 40, $"added {added}");
            (code, output, err) = CliRunner.Run("index", "add", "--index", index, "--data", more);
            Assert.True(code == 0, err);
            Assert.Contains("nothing to add", output);
        }

        // search --index equals the library's exact search of the same embeddings
        (code, output, err) = CliRunner.Run("search", "--index", index, "--query", gallery, "--k", "3", "--json");
        Assert.True(code == 0, err);
        var results = JsonNode.Parse(output)!.AsArray();
        Assert.Equal(24, results.Count);
        using (var bundle = ModelBundle.Load(model))
        using (var data = DatasetLoader.LoadAll(new DataOptions { Path = gallery }))
        using (var q = bundle.Embed(data))
        using (var exact = EmbeddingIndex.Open(index))
        {
            var want = exact.Search(q, 3);
            for (int i = 0; i < 24; i++)
            {
                var got = results[i]!["neighbors"]!.AsArray();
                Assert.Equal(3, got.Count);
                for (int r = 0; r < 3; r++)
                    Assert.True(Math.Abs(want[i][r].Distance - got[r]!["distance"]!.GetValue<double>()) < 1e-4, $"query {i} rank {r}"); // float32 embeddings, batched differently
            }
        }

        // calibrate (identification against the index) writes into the model and the index folder
        (code, output, err) = CliRunner.Run("calibrate", "--model", model, "--data", gallery, "--split", "all", "--index", index, "--target-precision", "0.5", "--json");
        Assert.True(code == 0, err);
        var cal = JsonNode.Parse(output)!;
        Assert.Equal("identification", cal["mode"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(model, "calibration.json")));
        Assert.True(File.Exists(Path.Combine(index, "calibration.json")));
        Assert.Equal(24, cal["count"]!.GetValue<long>());
        Assert.NotEmpty(cal["curve"]!.AsArray());

        // match with auto threshold: every decision within the threshold has the nearest item's class; parquet/csv/json out
        foreach (var ext in new[] { "csv", "json", "parquet" })
        {
            (code, output, err) = CliRunner.Run("match", "--index", index, "--query", more, "--evaluate", "--out", dir[$"r.{ext}"]);
            Assert.True(code == 0, err);
            Assert.True(File.Exists(dir[$"r.{ext}"]));
            Assert.True(File.Exists(dir["r.openset.json"]));
            Assert.Contains("known accuracy", output);
        }
        var rows = JsonNode.Parse(File.ReadAllText(dir["r.json"]))!.AsArray();
        Assert.Equal(40, rows.Count);
        double threshold = cal["threshold"]!.GetValue<double>();
        foreach (var r in rows)
        {
            double d = r!["nearest_distance"]!.GetValue<double>();
            var decided = r["decided"]!.GetValue<string>();
            Assert.Equal(d <= threshold ? r["nearest_class"]!.GetValue<string>() : "unknown", decided);
        }
        Assert.StartsWith("query,true_class,decided,nearest_distance,nearest_id,nearest_class,vote_share", File.ReadAllLines(dir["r.csv"])[0]);
    }

    [Fact]
    public void IndexOfAnotherModel_IsRefused_NamingBothFingerprints()
    {
        using var dir = new TestFolder();
        var model = SaveModel(dir["model"]);
        var other = SaveModel(dir["other"], seed: 5);
        var data = WriteCsv(dir["d.csv"], ["a", "b"], 4);
        var index = Build(dir, model, data);
        foreach (var args in new[]
        {
            new[] { "search", "--index", index, "--model", other, "--query", data },
            ["match", "--index", index, "--model", other, "--query", data, "--threshold", "1"],
            ["index", "add", "--index", index, "--model", other, "--data", data],
        })
        {
            var (code, output, err) = CliRunner.Run(args);
            Assert.Equal(ExitCodes.Model, code);
            Assert.Equal("", output);
            var line = OneLine(err);
            Assert.Contains(ModelFingerprint.Compute(model), line);
            Assert.Contains(ModelFingerprint.Compute(other), line);
        }
    }

    [Fact]
    public void IndexOfAnotherMeasure_IsRefused_NamingBothMeasures()
    {
        using var dir = new TestFolder();
        var model = SaveModel(dir["model"]);
        var data = WriteCsv(dir["d.csv"], ["a", "b"], 4);
        using (var bundle = ModelBundle.Load(model))
        using (var d = DatasetLoader.LoadAll(new DataOptions { Path = data }))
        using (var e = bundle.Embed(d))
        using (var cosine = EmbeddingIndex.Build(e, d.Labels, d.ClassNames, d.ItemNames!, new CosineDistance(), ModelFingerprint.Compute(model)))
            cosine.Save(dir["index"]);
        var (code, _, err) = CliRunner.Run("search", "--index", dir["index"], "--model", model, "--query", data);
        Assert.Equal(ExitCodes.Model, code);
        var line = OneLine(err);
        Assert.Contains("cosine", line);
        Assert.Contains("euclidean", line);
    }

    [Fact]
    public void QuerySetOfAnotherShape_IsAModelError_NamingTheData()
    {
        using var dir = new TestFolder();
        var model = SaveModel(dir["model"]);
        var index = Build(dir, model, WriteCsv(dir["d.csv"], ["a", "b"], 4));
        var wide = WriteCsv(dir["wide.csv"], ["a", "b"], 4, features: Features + 2);
        foreach (var command in new[] { "search", "match" })
        {
            var (code, _, err) = CliRunner.Run([command, "--index", index, "--query", wide, .. command == "match" ? new[] { "--threshold", "1" } : []]);
            Assert.Equal(ExitCodes.Model, code);
            Assert.Contains("wide.csv", OneLine(err));
        }
    }

    [Theory]
    [InlineData("exact", "embeddings.f32", "truncate")]
    [InlineData("exact", "labels.i32", "flip")]
    [InlineData("hnsw", "graph.usearch", "flip")]
    [InlineData("hnsw", "graph.usearch", "truncate")]
    public void TruncatedOrCorruptedIndexFile_IsADataError_NamingTheFile(string kind, string file, string damage)
    {
        using var dir = new TestFolder();
        var model = SaveModel(dir["model"]);
        var data = WriteCsv(dir["d.csv"], ["a", "b"], 6);
        var index = Build(dir, model, data, "index", "--kind", kind);
        var path = Path.Combine(index, file);
        var bytes = File.ReadAllBytes(path);
        if (damage == "truncate") File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        else
        {
            bytes[bytes.Length / 2] ^= 0x5A;
            File.WriteAllBytes(path, bytes);
        }
        foreach (var args in new[] { new[] { "search", "--index", index, "--query", data }, ["index", "info", "--index", index], ["match", "--index", index, "--query", data, "--threshold", "1"] })
        {
            var (code, output, err) = CliRunner.Run(args);
            Assert.Equal(ExitCodes.Data, code);
            Assert.Equal("", output);
            Assert.Contains(file, OneLine(err));
        }
    }

    [Fact]
    public void KLargerThanTheIndex_IsClamped_AndSaidSo()
    {
        using var dir = new TestFolder();
        var model = SaveModel(dir["model"]);
        var data = WriteCsv(dir["d.csv"], ["a", "b"], 2);
        var index = Build(dir, model, data);
        var (code, output, err) = CliRunner.Run("search", "--index", index, "--query", data, "--k", "10", "--json");
        Assert.Equal(0, code);
        Assert.Contains("--k 10 is more than the index holds (4 items); returning 4", OneLine(err));
        foreach (var q in JsonNode.Parse(output)!.AsArray())
        {
            Assert.Equal(4, q!["k"]!.GetValue<int>());
            Assert.Equal(4, q["neighbors"]!.AsArray().Count);
        }
        (code, output, _) = CliRunner.Run("search", "--index", index, "--query", data, "--k", "10");
        Assert.Equal(0, code);
        Assert.Contains("k = 4 (asked for 10; the index holds 4 items)", output);
    }

    [Fact]
    public void EmptyQuerySet_IsADataError()
    {
        using var dir = new TestFolder();
        var model = SaveModel(dir["model"]);
        var index = Build(dir, model, WriteCsv(dir["d.csv"], ["a", "b"], 3));
        File.WriteAllText(dir["empty.csv"], "label,f0,f1,f2,f3\n");
        foreach (var command in new[] { "search", "match" })
        {
            var (code, output, err) = CliRunner.Run([command, "--index", index, "--query", dir["empty.csv"], .. command == "match" ? new[] { "--threshold", "1" } : []]);
            Assert.Equal(ExitCodes.Data, code);
            Assert.Equal("", output);
            Assert.Contains("empty.csv", OneLine(err));
        }
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("-0.5")]
    [InlineData("Infinity")]
    [InlineData("near")]
    public void NaNOrNegativeThreshold_IsAUsageError_NamingTheOption(string threshold)
    {
        using var dir = new TestFolder();
        var model = SaveModel(dir["model"]);
        var data = WriteCsv(dir["d.csv"], ["a", "b"], 3);
        var index = Build(dir, model, data);
        var (code, output, err) = CliRunner.Run("match", "--index", index, "--query", data, "--threshold", threshold);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Contains("--threshold", OneLine(err));
    }

    [Fact]
    public void AutoThresholdWithoutCalibration_SaysHowToCalibrate()
    {
        using var dir = new TestFolder();
        var model = SaveModel(dir["model"]);
        var data = WriteCsv(dir["d.csv"], ["a", "b"], 3);
        var index = Build(dir, model, data);
        var (code, output, err) = CliRunner.Run("match", "--index", index, "--query", data);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        var line = OneLine(err);
        Assert.Contains("--threshold", line);
        Assert.Contains("triplet calibrate --model", line);
    }

    [Fact]
    public void CalibrationDataWithOneClass_OrNoPositivePairs_IsADataError()
    {
        using var dir = new TestFolder();
        var model = SaveModel(dir["model"]);
        var one = WriteCsv(dir["one.csv"], ["a"], 5);
        var (code, output, err) = CliRunner.Run("calibrate", "--model", model, "--data", one, "--split", "all", "--target-far", "0.01");
        Assert.Equal(ExitCodes.Data, code);
        Assert.Equal("", output);
        Assert.Contains("one class", OneLine(err));

        var singletons = WriteCsv(dir["singletons.csv"], ["a", "b", "c", "d"], 1);
        (code, output, err) = CliRunner.Run("calibrate", "--model", model, "--data", singletons, "--split", "all", "--target-far", "0.01");
        Assert.Equal(ExitCodes.Data, code);
        Assert.Contains("No positive pairs", OneLine(err));
        Assert.False(File.Exists(Path.Combine(model, "calibration.json")));
    }

    [Theory]
    [InlineData("--target-far", "2")]
    [InlineData("--target-precision", "0")]
    public void CalibrationTargetOutOfRange_IsAUsageError(string option, string value)
    {
        using var dir = new TestFolder();
        var model = SaveModel(dir["model"]);
        var data = WriteCsv(dir["d.csv"], ["a", "b"], 3);
        var (code, _, err) = CliRunner.Run("calibrate", "--model", model, "--data", data, "--split", "all", option, value);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(option, OneLine(err));
    }

    [Fact]
    public void UnknownClassInClasses_IsADataError_NamingIt_OnEveryCommand()
    {
        using var dir = new TestFolder();
        var model = SaveModel(dir["model"]);
        var data = WriteCsv(dir["d.csv"], ["a", "b"], 3);
        var index = Build(dir, model, data);
        foreach (var args in new[]
        {
            new[] { "index", "build", "--model", model, "--data", data, "--out", dir["i2"] },
            ["index", "add", "--index", index, "--data", data],
            ["search", "--index", index, "--query", data],
            ["match", "--index", index, "--query", data, "--threshold", "1"],
            ["calibrate", "--model", model, "--data", data, "--split", "all", "--target-far", "0.1"],
            ["embed", "--model", model, "--data", data, "--out", dir["e.csv"]],
            ["eval", "--model", model, "--data", data, "--split", "all"],
            ["train", "--data", data, "--out", dir["run"]],
        })
        {
            var (code, output, err) = CliRunner.Run([.. args, "--classes", "a,zebra"]);
            Assert.True(code == ExitCodes.Data, $"{string.Join(' ', args[..2])}: {code} {err}");
            Assert.Contains("'zebra'", OneLine(err));
        }
        Assert.False(Directory.Exists(dir["i2"]));
    }

    [Fact]
    public void ValidationAndHoldoutHalves_SplitEveryClass_AndDoNotDependOnTheOtherClasses()
    {
        using var features = torch.zeros(30, 2);
        var labels = Enumerable.Range(0, 30).Select(i => (long)(i % 3)).ToArray();
        using var all = new Dataset(features.clone(), labels, ["a", "b", "c"], DataKind.Vectors);
        var v = DataParts.Half(all, 0, validation: true);
        var h = DataParts.Half(all, 0, validation: false);
        Assert.Empty(v.Intersect(h));
        Assert.Equal(Enumerable.Range(0, 30), v.Concat(h).Order());
        foreach (var c in new long[] { 0, 1, 2 }) Assert.Equal(5, v.Count(i => labels[i] == c));
        // the same items of classes a and c, without class b (renumbered as --classes does): the same halves
        var keep = Enumerable.Range(0, 30).Where(i => labels[i] != 1).ToArray();
        using var ac = new Dataset(torch.zeros(keep.Length, 2), keep.Select(i => labels[i] == 0 ? 0L : 1L).ToArray(), ["a", "c"], DataKind.Vectors);
        Assert.Equal(v.Where(i => labels[i] != 1), DataParts.Half(ac, 0, validation: true).Select(i => keep[i]));
        Assert.NotEqual(v, DataParts.Half(all, 1, validation: true));
    }
}
