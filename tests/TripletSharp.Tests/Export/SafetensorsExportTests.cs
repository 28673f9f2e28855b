using TorchSharp;
using TorchSharp.PyBridge;
using TripletSharp.Data;
using TripletSharp.Export;
using TripletSharp.Models;
using TripletSharp.Tests.Models;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Export;

public class SafetensorsExportTests(ExportFixture data) : IClassFixture<ExportFixture>
{
    [Theory]
    [InlineData(ModelKind.ConvNet, DataKind.Images)]
    [InlineData(ModelKind.Mlp, DataKind.Vectors)]
    public void WeightsReadBackExactly_WithPyTorchKeyNames(ModelKind kind, DataKind inputKind)
    {
        using var bundle = data.NewBundle(kind, inputKind, hidden: [64, 32], trainSteps: 5);
        using var dir = new TestFolder("st");
        var path = dir["model.safetensors"];
        SafetensorsExporter.Export(bundle, path);
        Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName));

        string[] expectedKeys = kind == ModelKind.ConvNet
            ? ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
            : ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight", "layers.2.bias"];
        Assert.Equal(expectedKeys, SafetensorsExporter.KeyNames(bundle.Module));

        var state = bundle.Module.state_dict();
        var loaded = Safetensors.LoadStateDict(path);
        try
        {
            Assert.Equal(expectedKeys.Order(), loaded.Keys.Order());
            foreach (var key in expectedKeys)
            {
                var a = state[key];
                var b = loaded[key];
                Assert.Equal(a.dtype, b.dtype);
                Assert.Equal(a.shape, b.shape);
                Assert.Equal(a.detach().contiguous().data<float>().ToArray(), b.data<float>().ToArray());
            }
            if (kind == ModelKind.ConvNet)
            {
                Assert.Equal(new long[] { 32, 1, 3, 3 }, loaded["conv1.weight"].shape);
                Assert.Equal(new long[] { 128, 64 * 7 * 7 }, loaded["fc1.weight"].shape);
                Assert.Equal(new long[] { 16, 128 }, loaded["fc2.weight"].shape);
            }
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }

        // The file as the safetensors format defines it (what Python's loader reads): an 8-byte little-endian header
        // length, a JSON header of dtype, shape and contiguous data_offsets per key, then the raw little-endian data.
        var bytes = File.ReadAllBytes(path);
        long headerLength = BitConverter.ToInt64(bytes, 0);
        using var header = System.Text.Json.JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        long expectedOffset = 0;
        foreach (var key in expectedKeys)
        {
            var entry = header.RootElement.GetProperty(key);
            Assert.Equal("F32", entry.GetProperty("dtype").GetString());
            var shape = entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal(state[key].shape, shape);
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal(expectedOffset, offsets[0]);
            Assert.Equal(offsets[0] + 4 * shape.Aggregate(1L, (a, b) => a * b), offsets[1]);
            var raw = new float[(offsets[1] - offsets[0]) / 4];
            Buffer.BlockCopy(bytes, (int)(8 + headerLength + offsets[0]), raw, 0, raw.Length * 4);
            Assert.Equal(state[key].detach().contiguous().data<float>().ToArray(), raw);
            expectedOffset = offsets[1];
        }
        Assert.Equal(8 + headerLength + expectedOffset, bytes.Length);

        // A fresh module of the same architecture, loaded through PyBridge, embeds bit-identically.
        torch.manual_seed(99);
        using var fresh = bundle.Architecture.Create();
        fresh.load_safetensors(path, strict: true);
        using var copy = new ModelBundle(fresh, bundle.Architecture, bundle.Input, bundle.ClassNames);
        using var x = data.TestTensor(bundle).narrow(0, 0, 64);
        using var before = bundle.Embed(x);
        using var after = copy.Embed(x);
        Assert.Equal(before.data<float>().ToArray(), after.data<float>().ToArray());
    }
}
