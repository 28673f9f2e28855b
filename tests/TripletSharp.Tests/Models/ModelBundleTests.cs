using System.Text.Json.Nodes;
using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Models;

public class ModelBundleTests
{
    private static ModelBundle NewConvBundle(int seed = 0)
    {
        torch.manual_seed(seed);
        var arch = new ModelArchitecture { Kind = ModelKind.ConvNet, InputShape = [1, 12, 12], EmbeddingDim = 8 };
        var input = new ModelInput
        {
            Kind = DataKind.Images,
            ItemShape = [1, 12, 12],
            Normalization = null,
            Data = new DataOptions { Path = "some/data", ImageSize = 12, Seed = 3, MaxTrainItems = 50 },
        };
        return new ModelBundle(arch.Create(), arch, input, ["a", "b", "c"], new JsonObject { ["options"] = new JsonObject { ["distance"] = "cosine" }, ["best_epoch"] = 2 });
    }

    [Fact]
    public void SaveLoad_RoundTrip_GivesIdenticalEmbeddingsAndDescription()
    {
        using var dir = new TestFolder();
        using var x = torch.rand(5, 1, 12, 12);
        using var original = NewConvBundle();
        using var before = original.Embed(x);
        original.Save(dir.Path);

        using var loaded = ModelBundle.Load(dir.Path);
        using var after = loaded.Embed(x);
        AssertIdentical(before, after);
        Assert.Equal(ModelKind.ConvNet, loaded.Architecture.Kind);
        Assert.Equal(new long[] { 1, 12, 12 }, loaded.Input.ItemShape);
        Assert.Equal(8, loaded.EmbeddingDim);
        Assert.Equal(new[] { "a", "b", "c" }, loaded.ClassNames);
        Assert.Equal("some/data", loaded.Input.Data!.Path);
        Assert.Equal(50, loaded.Input.Data.MaxTrainItems);
        Assert.Equal("cosine", loaded.DistanceName);
        Assert.Equal(2, loaded.Training!["best_epoch"]!.GetValue<int>());
        Assert.Equal(Path.GetFullPath(dir.Path), loaded.Path);
    }

    [Fact]
    public void Normalization_IsStoredExactly()
    {
        using var dir = new TestFolder();
        torch.manual_seed(0);
        var arch = new ModelArchitecture { Kind = ModelKind.Mlp, InputShape = [3], EmbeddingDim = 2, HiddenSizes = [4] };
        var norm = new InputNormalization([0.1f, -2.5f, 1e-7f], [1f, 0.333333f, 12345.678f]);
        using (var b = new ModelBundle(arch.Create(), arch, new ModelInput { Kind = DataKind.Vectors, ItemShape = [3], Normalization = norm }, ["x", "y"]))
            b.Save(dir.Path);
        using var loaded = ModelBundle.Load(dir.Path);
        Assert.Equal(norm.Mean, loaded.Input.Normalization!.Mean);
        Assert.Equal(norm.Std, loaded.Input.Normalization.Std);
        Assert.Equal(new[] { 4 }, loaded.Architecture.HiddenSizes);
        Assert.Equal(DataKind.Vectors, loaded.Input.Kind);
        Assert.Contains("\"kind\": \"mlp\"", File.ReadAllText(dir["model.json"]));
    }

    [Fact]
    public void Resave_ReplacesWeights_AndLeavesOneWeightsFile()
    {
        using var dir = new TestFolder();
        using var a = NewConvBundle(1);
        using var b = NewConvBundle(2);
        a.Save(dir.Path);
        b.Save(dir.Path);
        Assert.Single(Directory.GetFiles(dir.Path, "weights-*.bin"));
        using var x = torch.rand(2, 1, 12, 12);
        using var loaded = ModelBundle.Load(dir.Path);
        AssertIdentical(b.Embed(x), loaded.Embed(x));
    }

    [Fact]
    public void InterruptedSave_KeepsThePreviousModel()
    {
        using var dir = new TestFolder();
        using var a = NewConvBundle(1);
        a.Save(dir.Path);
        // A second save killed after writing its weights but before replacing model.json, with a temp file left over.
        File.WriteAllBytes(dir["weights-00000000deadbeef.bin"], [1, 2, 3]);
        File.WriteAllBytes(dir[".model.json.123.abc.tmp"], [(byte)'{']);
        using var x = torch.rand(2, 1, 12, 12);
        using var loaded = ModelBundle.Load(dir.Path);
        AssertIdentical(a.Embed(x), loaded.Embed(x));
    }

    [Fact]
    public void HalfWrittenFirstSave_IsNotAModel()
    {
        using var dir = new TestFolder();
        File.WriteAllBytes(dir["weights-0123456789abcdef.bin"], [1, 2, 3]);
        var e = Assert.Throws<ModelFormatException>(() => ModelBundle.Load(dir.Path));
        Assert.EndsWith("model.json", e.FilePath);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void MissingFolder_MissingWeights_CorruptWeights_CorruptJson_AreTypedErrorsNamingTheFile()
    {
        using var dir = new TestFolder();
        var missing = Assert.Throws<ModelFormatException>(() => ModelBundle.Load(dir["nope"]));
        Assert.Contains("nope", missing.Message);

        using (var a = NewConvBundle()) a.Save(dir.Path);
        var weights = Directory.GetFiles(dir.Path, "weights-*.bin").Single();
        var bytes = File.ReadAllBytes(weights);

        bytes[^10] ^= 0x55;
        File.WriteAllBytes(weights, bytes);
        var corrupt = Assert.Throws<ModelFormatException>(() => ModelBundle.Load(dir.Path));
        Assert.Equal(weights, corrupt.FilePath);
        Assert.Contains("corrupt", corrupt.Message);

        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        var json = File.ReadAllText(dir["model.json"]);
        File.WriteAllText(dir["model.json"], System.Text.RegularExpressions.Regex.Replace(json, "\"weights_sha256\": \"[0-9a-f]+\"", "\"weights_sha256\": \"\""));
        var truncated = Assert.Throws<ModelFormatException>(() => ModelBundle.Load(dir.Path));
        Assert.Equal(weights, truncated.FilePath);
        Assert.Contains("cannot be read", truncated.Message);

        File.Delete(weights);
        var gone = Assert.Throws<ModelFormatException>(() => ModelBundle.Load(dir.Path));
        Assert.Equal(weights, gone.FilePath);

        File.WriteAllText(dir["model.json"], "{ \"format\": ");
        var badJson = Assert.Throws<ModelFormatException>(() => ModelBundle.Load(dir.Path));
        Assert.EndsWith("model.json", badJson.FilePath);

        File.WriteAllText(dir["model.json"], "{ \"format\": \"tripletsharp-model\", \"format_version\": 1 }");
        var incomplete = Assert.Throws<ModelFormatException>(() => ModelBundle.Load(dir.Path));
        Assert.Contains("incomplete", incomplete.Message);
    }

    [Fact]
    public void DataOfAnotherShapeOrKind_IsRejectedNamingModelAndData()
    {
        using var dir = new TestFolder();
        using (var a = NewConvBundle()) a.Save(dir.Path);
        using var m = ModelBundle.Load(dir.Path);
        using var colour = torch.rand(2, 3, 12, 12);
        var e = Assert.Throws<ModelInputMismatchException>(() => m.Embed(colour));
        Assert.Contains(Path.GetFullPath(dir.Path), e.Message);
        Assert.Contains("grey images 1×12×12", e.Message);
        Assert.Contains("colour images 3×12×12", e.Message);
        var v = Assert.Throws<ModelInputMismatchException>(() => m.CheckCompatible(DataKind.Vectors, [144], "x.csv"));
        Assert.Contains("x.csv", v.Message);
    }

    [Fact]
    public void Embed_BatchesGiveTheSameResultAsOnePass_AndRestoreTrainingMode()
    {
        using var b = NewConvBundle();
        b.Module.train();
        using var x = torch.rand(7, 1, 12, 12);
        using var one = b.Embed(x, batchSize: 100);
        using var many = b.Embed(x, batchSize: 3);
        Assert.True(torch.allclose(one, many, 1e-6, 1e-6));
        Assert.True(b.Module.training);
    }

    private static void AssertIdentical(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        Assert.Equal(ReferenceNet.Flat(a), ReferenceNet.Flat(b));
    }
}
