using TorchSharp;
using static TorchSharp.torch;
using System.Text.Json.Nodes;
using TripletSharp.Cli;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Tests.Models;

namespace TripletSharp.Tests.Cli;

/// <summary>
/// Broken model folders, mismatched data and contradictory options through the CLI: a non-zero code, one line naming the
/// file or option, and no output left behind.
/// </summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class BadInputCliTests
{
    private static string SaveConvModel(string dir)
    {
        torch.manual_seed(0);
        var arch = new ModelArchitecture { Kind = ModelKind.ConvNet, InputShape = [1, 12, 12], EmbeddingDim = 8 };
        var input = new ModelInput { Kind = DataKind.Images, ItemShape = [1, 12, 12], Data = new DataOptions { Path = "some/data", ImageSize = 12 } };
        using var b = new ModelBundle(arch.Create(), arch, input, ["a", "b", "c"]);
        b.Save(dir);
        return dir;
    }

    private static string OneLine(string err)
    {
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.DoesNotContain("   at ", err);
        return lines[0];
    }

    [Theory]
    [InlineData("missing-weights")]
    [InlineData("corrupt-weights")]
    [InlineData("corrupt-json")]
    [InlineData("incomplete-json")]
    [InlineData("missing-json")]
    public void BrokenModelFolder_IsAModelError_NamingTheFile_AndWritesNothing(string damage)
    {
        using var dir = new TestFolder();
        var model = SaveConvModel(dir["model"]);
        var weights = Directory.GetFiles(model, "weights-*.bin").Single();
        var manifest = Path.Combine(model, ModelBundle.ManifestFileName);
        string named = weights;
        switch (damage)
        {
            case "missing-weights": File.Delete(weights); break;
            case "corrupt-weights": var bytes = File.ReadAllBytes(weights); bytes[bytes.Length / 2] ^= 0x40; File.WriteAllBytes(weights, bytes); break;
            case "corrupt-json": File.WriteAllText(manifest, "{ \"format\": \"tripletsharp-model\", "); named = manifest; break;
            case "incomplete-json": File.WriteAllText(manifest, "{ \"format\": \"tripletsharp-model\", \"format_version\": 1 }"); named = manifest; break;
            case "missing-json": File.Delete(manifest); named = manifest; break;
        }
        foreach (var args in new[]
        {
            new[] { "embed", "--model", model, "--out", dir["e.csv"] },
            ["eval", "--model", model, "--json"],
            ["search", "--model", model, "--gallery", dir["g.csv"], "--query", dir["q.csv"]],
        })
        {
            var (code, output, err) = CliRunner.Run(args);
            Assert.Equal(ExitCodes.Model, code);
            Assert.Equal("", output);
            Assert.Contains(named, OneLine(err));
        }
        Assert.False(File.Exists(dir["e.csv"]));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void ModelAppliedToDataOfAnotherShapeOrChannelCount_NamesModelAndData()
    {
        using var dir = new TestFolder();
        var model = SaveConvModel(dir["model"]);
        // vectors of 10 features for a 1×12×12 image model
        var csv = dir["vectors.csv"];
        File.WriteAllText(csv, "label,a,b,c,d,e,f,g,h,i,j\n" + string.Join("\n", Enumerable.Range(0, 6).Select(i => $"{i % 2},{string.Join(',', Enumerable.Repeat("0.5", 10))}")) + "\n");
        var (code, output, err) = CliRunner.Run("embed", "--model", model, "--data", csv, "--out", dir["e.csv"]);
        Assert.Equal(ExitCodes.Model, code);
        var line = OneLine(err);
        Assert.Contains(Path.GetFullPath(model), line);
        Assert.Contains("vectors.csv", line);
        Assert.False(File.Exists(dir["e.csv"]));

        // 3-channel images for a 1-channel model, through the library (the CLI reads image folders as the model's channels)
        using var m = ModelBundle.Load(model);
        using var colour = torch.rand(2, 3, 12, 12);
        var e = Assert.Throws<ModelInputMismatchException>(() => m.Embed(colour));
        Assert.Contains("3×12×12", e.Message);
        (code, _, err) = CliRunner.Run("eval", "--model", model, "--data", csv, "--json");
        Assert.Equal(ExitCodes.Model, code);
        Assert.Contains("vectors.csv", OneLine(err));
    }

    [Theory]
    [InlineData("--samples-per-class", "is larger than the 40 training items", "--max-train-items", "40", "--classes-per-batch", "4", "--samples-per-class", "16")]
    [InlineData("--classes-per-batch", "but the training data has only 10 classes", "--max-train-items", "200", "--classes-per-batch", "12", "--samples-per-class", "2")]
    [InlineData("--seed", "Cannot parse argument '2.5'", "--seed", "2.5")]
    [InlineData("--margin", "--margin", "--margin", "-0.5")]
    [InlineData("--bogus", "Unrecognized command or argument '--bogus'", "--bogus", "1")]
    public void ContradictoryOrBadTrainOptions_FailBeforeAnyOutput(string option, string expected, params string[] extra)
    {
        using var dir = new TestFolder();
        var run = dir["run"];
        var (code, output, err) = CliRunner.Run(["train", "--max-test-items", "50", "--epochs", "1", "--threads", "1", .. extra, "--out", run]);
        Assert.Equal(ExitCodes.Usage, code);
        var line = OneLine(err);
        Assert.Contains(expected, line);
        Assert.Contains(option, line);
        Assert.DoesNotContain("run:", output);
        Assert.False(Directory.Exists(run), "no run folder is created on a validation error");
    }

    [Fact]
    public void MissingDataFile_IsADataError_AndNoRunFolder()
    {
        using var dir = new TestFolder();
        var (code, _, err) = CliRunner.Run("train", "--data", dir["absent.csv"], "--out", dir["run"]);
        Assert.Equal(ExitCodes.Data, code);
        Assert.Contains("absent.csv", OneLine(err));
        Assert.False(Directory.Exists(dir["run"]));
    }
}
