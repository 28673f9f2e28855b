using TripletSharp.Cli;
using TripletSharp.Onnx;
using TripletSharp.Serving;
using TripletSharp.Tests.Cli;

namespace TripletSharp.Tests.Serving;

[Collection(ServingCollection.Name)]
public sealed class ExportCommandTests(ServeFixture f)
{
    [Fact]
    public void ExportedOnnx_RunsInOnnxEmbedder_WithTheModelsEmbeddings_AndRecordsTheFingerprint()
    {
        // The fixture exported f.OnnxPath with 'triplet export --format onnx'.
        using var onnx = new OnnxEmbedder(f.OnnxPath);
        var items = Enumerable.Range(0, 8).Select(f.Item).ToArray();
        var expected = f.Embed(items);
        var got = onnx.Embed(items.SelectMany(r => r).ToArray());
        double maxDiff = 0;
        for (int i = 0; i < 8; i++)
        for (int j = 0; j < 16; j++) maxDiff = Math.Max(maxDiff, Math.Abs(expected[i][j] - got[i * 16 + j]));
        Assert.True(maxDiff <= 1e-5, $"max |ONNX − TorchSharp| = {maxDiff}");
        Assert.Equal(f.Fingerprint, onnx.Info.Metadata[OnnxModelEmbedder.FingerprintKey]);
        Assert.Equal("cosine", onnx.DistanceName);
    }

    [Fact]
    public void Export_Safetensors_WritesThePyTorchKeys()
    {
        var path = f.Path2($"weights-{Guid.NewGuid():N}.safetensors");
        var (code, output, err) = CliRunner.Run("export", "--model", f.ModelFolder, "--format", "safetensors", "--out", path);
        Assert.True(code == 0, err);
        Assert.Contains("conv1.weight", output);
        // Header: 8-byte little-endian length, then JSON naming every tensor.
        var bytes = File.ReadAllBytes(path);
        long n = BitConverter.ToInt64(bytes, 0);
        var header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)n);
        foreach (var key in new[] { "conv1.weight", "conv1.bias", "conv2.weight", "fc1.weight", "fc2.weight", "fc2.bias" }) Assert.Contains($"\"{key}\"", header);
    }

    [Theory]
    [InlineData("--opset", "5", "--opset")]
    [InlineData("--format", "tflite", "--format")]
    public void Export_BadOptions_AreUsageErrorsNamingTheOption(string option, string value, string named)
    {
        var (code, _, err) = CliRunner.Run("export", "--model", f.ModelFolder, "--out", f.Path2("x.onnx"), option, value);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(named, err);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Export_OpsetWithSafetensors_IsAUsageError()
    {
        var (code, _, err) = CliRunner.Run("export", "--model", f.ModelFolder, "--format", "safetensors", "--out", f.Path2("x.safetensors"), "--opset", "17");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--opset", err);
    }

    [Fact]
    public void Export_AMissingModel_IsOneLine()
    {
        var (code, _, err) = CliRunner.Run("export", "--model", f.Path2("no-such-model"), "--out", f.Path2("y.onnx"));
        Assert.NotEqual(0, code);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
