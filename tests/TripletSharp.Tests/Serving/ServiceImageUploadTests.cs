using System.Text.Json.Nodes;
using SkiaSharp;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Search;
using TripletSharp.Serving;
using TripletSharp.Tests.Cli;
using TripletSharp.Tests.Data;
using TripletSharp.Tests.Images;
using TripletSharp.Tests.Models;
using TripletSharp.Training;

namespace TripletSharp.Tests.Serving;

/// <summary>
/// Uploaded images are prepared exactly as training and <c>ModelBundle.Embed(files)</c> prepare them (any size and
/// mode, the model's recorded resize, 16-bit kept), through TorchSharp and ONNX Runtime alike.
/// </summary>
[Collection(InProcessTrainingCollection.Name)]
public sealed class ServiceImageUploadTests
{
    private static float[] Floats(JsonNode? n) => n!.AsArray().Select(v => v!.GetValue<float>()).ToArray();

    /// <summary>An index over the model's embeddings of the training folder, with the model's fingerprint.</summary>
    private static string IndexFor(string modelDir, string dataRoot, string indexDir)
    {
        using var bundle = ModelBundle.Load(modelDir);
        var files = Directory.GetFiles(dataRoot, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        using var emb = bundle.Embed(files);
        using var index = EmbeddingIndex.Build(emb, files.Select(_ => 0L).ToArray(), ["all"], files.Select(Path.GetFileName).ToArray()!,
            bundle.CreateDistance(), ModelFingerprint.Compute(modelDir));
        index.Save(indexDir);
        return indexDir;
    }

    /// <summary>Uploads each file to /v1/embed and checks the row against <c>ModelBundle.Embed(file)</c>.</summary>
    private static async Task AssertUploadsEqualBundle(string modelDir, string index, IEmbedder embedder, IEnumerable<string> files, double tolerance)
    {
        using var bundle = ModelBundle.Load(modelDir);
        await using var s = await ServiceHarness.StartAsync(index, embedder);
        foreach (var file in files)
        {
            using var expected = bundle.Embed(file);
            var want = expected.data<float>().ToArray();
            var (status, body, _, text) = await s.PostAsync("/v1/embed", ServiceHarness.Images(("image", File.ReadAllBytes(file))));
            Assert.True(status == 200, $"{file}: {text}");
            var got = Floats(body!["embeddings"]![0]);
            Assert.Equal(want.Length, got.Length);
            for (int j = 0; j < want.Length; j++) Assert.True(Math.Abs(want[j] - got[j]) <= tolerance, $"{Path.GetFileName(file)}[{j}]: {got[j]} vs {want[j]}");
        }
    }

    [Fact]
    public async Task Uploads_OfAnySizeAndMode_EqualModelBundleEmbed_CropStretchAndOnnx_CorruptIs400()
    {
        using var data = new TempDir();
        ImagePipelineTests.WriteFolder(data.Path);
        using var run = new TestFolder();
        using (var dataset = DatasetLoader.Load(ImagePipelineTests.Options(data.Path, lazy: false)))
            new Trainer(ImagePipelineTests.Small(run.Path, AugmentLevel.None)).Fit(dataset, ImagePipelineTests.Options(data.Path, false)).Model?.Dispose();
        var cropModel = Path.Combine(run.Path, "model");

        // Uploads: a larger, non-square RGB photo, a 16-bit RGB PNG whose values 8 bits would round, and a grey one.
        using var uploads = new TempDir();
        var large = Path.Combine(uploads.Path, "large.png");
        File.WriteAllBytes(large, DataTestFiles.Png(40, 24, (x, y) => new SKColor((byte)(x * 6), (byte)(y * 10), (byte)((x * y) % 256))));
        var wide = Path.Combine(uploads.Path, "wide16.png");
        File.WriteAllBytes(wide, HandPng.Encode(12, 9, HandPng.Rgb, 16, Enumerable.Range(0, 12 * 9 * 3).Select(i => (i * 2_654_435 + 977) % 65_536).ToArray()));
        var grey = Path.Combine(uploads.Path, "grey16.png");
        File.WriteAllBytes(grey, HandPng.Encode(8, 8, HandPng.Grey, 16, Enumerable.Range(0, 64).Select(i => i * 1_021 + 3).ToArray()));
        string[] files = [large, wide, grey];

        // The 16-bit upload really differs from its 8-bit rounding (so "16 bits kept" is tested, not assumed).
        var full = new float[3 * 8 * 8];
        ImageBytes.Decode(File.ReadAllBytes(wide), [3, 8, 8], ImageResize.Crop, full, "wide16.png");
        Assert.Contains(full, v => Math.Abs(v * 255 - Math.Round(v * 255)) > 0.05);

        using (var bundle = ModelBundle.Load(cropModel)) Assert.Equal(ImageResize.Crop, bundle.Input.Data!.Resize);
        using var idx = new TestFolder();
        var cropIndex = IndexFor(cropModel, data.Path, idx["crop"]);
        await AssertUploadsEqualBundle(cropModel, cropIndex, TorchEmbedder.Load(cropModel), files, 1e-6);

        // The same model through ONNX Runtime (no TorchSharp): the resize comes from the ONNX metadata.
        var onnx = idx["crop.onnx"];
        var (code, _, err) = CliRunner.Run("export", "--model", cropModel, "--format", "onnx", "--out", onnx);
        Assert.True(code == 0, err);
        using (var onnxEmbedder = new OnnxModelEmbedder(onnx)) Assert.Equal(ImageResize.Crop, onnxEmbedder.ImageResize);
        await AssertUploadsEqualBundle(cropModel, cropIndex, new OnnxModelEmbedder(onnx), files, 1e-5);

        // The default (stretch) recorded explicitly, and a model.json from before the record (stretch too).
        foreach (var edit in new Action<JsonObject>[] { d => d["resize"] = "stretch", d => d.Remove("resize") })
        {
            var stretchModel = idx[$"stretch{Guid.NewGuid():N}"];
            Directory.CreateDirectory(stretchModel);
            foreach (var f in Directory.GetFiles(cropModel)) File.Copy(f, Path.Combine(stretchModel, Path.GetFileName(f)));
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(stretchModel, "model.json")))!;
            edit((JsonObject)json["input"]!["data"]!);
            File.WriteAllText(Path.Combine(stretchModel, "model.json"), json.ToJsonString());
            using (var bundle = ModelBundle.Load(stretchModel)) Assert.Equal(ImageResize.Stretch, bundle.Input.Data!.Resize);
            var stretchIndex = IndexFor(stretchModel, data.Path, stretchModel + ".index");
            await AssertUploadsEqualBundle(stretchModel, stretchIndex, TorchEmbedder.Load(stretchModel), files, 1e-6);
        }

        // Crop and stretch really differ on the non-square upload.
        var cropped = new float[3 * 8 * 8];
        var stretched = new float[3 * 8 * 8];
        ImageBytes.Decode(File.ReadAllBytes(large), [3, 8, 8], ImageResize.Crop, cropped, "large.png");
        ImageBytes.Decode(File.ReadAllBytes(large), [3, 8, 8], ImageResize.Stretch, stretched, "large.png");
        Assert.NotEqual(cropped, stretched);

        // A corrupt (truncated) image is a 400 problem naming the field.
        await using var s = await ServiceHarness.StartAsync(cropIndex, TorchEmbedder.Load(cropModel));
        var bytes = File.ReadAllBytes(large);
        var (status, body, r, text) = await s.PostAsync("/v1/embed", ServiceHarness.Images(("image", bytes), ("image", bytes[..(bytes.Length / 2)])));
        Assert.True(status == 400, text);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        Assert.Equal("image[1]", body!["field"]!.GetValue<string>());
        Assert.Contains("corrupt", body["detail"]!.GetValue<string>());
    }
}
