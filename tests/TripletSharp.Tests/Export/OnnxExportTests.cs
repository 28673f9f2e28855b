using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using TripletSharp.Data;
using TripletSharp.Export;
using TripletSharp.Models;
using TripletSharp.Onnx;
using TripletSharp.Tests.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Export;

public class OnnxExportTests(ExportFixture data, ITestOutputHelper output) : IClassFixture<ExportFixture>
{
    private const double Tolerance = 1e-5;

    /// <summary>Exports, runs the bundled test split through ONNX Runtime and through TorchSharp, returns the largest absolute difference.</summary>
    private double MaxDifference(ModelBundle bundle, string label, int opset = OnnxExporter.DefaultOpset)
    {
        using var dir = new TestFolder("onnx");
        var path = dir["model.onnx"];
        OnnxExporter.Export(bundle, path, new OnnxExportOptions { Opset = opset });
        using var embedder = new OnnxEmbedder(path);
        var onnx = embedder.Embed(data.TestImages);
        using var torchEmbeddings = bundle.Embed(data.TestTensor(bundle));
        var reference = torchEmbeddings.contiguous().data<float>().ToArray();
        Assert.Equal(reference.Length, onnx.Length);
        Assert.Equal(data.Count * bundle.EmbeddingDim, onnx.Length);
        double max = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            Assert.True(float.IsFinite(onnx[i]), $"{label}: value {i} is {onnx[i]}");
            max = Math.Max(max, Math.Abs((double)onnx[i] - reference[i]));
        }
        double scale = reference.Max(v => Math.Abs((double)v));
        output.WriteLine($"{label} (opset {opset}): max |onnx - torch| = {max:E3} over {data.Count} items × {bundle.EmbeddingDim} (largest |value| {scale:G4})");
        Assert.True(scale > 1e-3, $"{label}: the embeddings are all ~0, so the comparison would prove nothing");
        return max;
    }

    [Theory]
    [InlineData(true, 0)]
    [InlineData(true, 30)]
    [InlineData(false, 30)]
    public void ConvNet_OnnxRuntimeEqualsTorchSharp(bool normalize, int trainSteps)
    {
        using var bundle = data.NewBundle(ModelKind.ConvNet, DataKind.Images, normalize, trainSteps: trainSteps);
        Assert.InRange(MaxDifference(bundle, $"ConvNet normalize={normalize} steps={trainSteps}"), 0, Tolerance);
    }

    [Theory]
    [InlineData(DataKind.Vectors, true, 0)]
    [InlineData(DataKind.Vectors, true, 30)]
    [InlineData(DataKind.Vectors, false, 30)]
    [InlineData(DataKind.Images, true, 30)]
    public void Mlp_OnnxRuntimeEqualsTorchSharp(DataKind kind, bool normalize, int trainSteps)
    {
        using var bundle = data.NewBundle(ModelKind.Mlp, kind, normalize, hidden: [128, 64], trainSteps: trainSteps);
        Assert.InRange(MaxDifference(bundle, $"Mlp {kind} normalize={normalize} steps={trainSteps}"), 0, Tolerance);
    }

    [Fact]
    public void Mlp_WithoutHiddenLayersOrStandardisation()
    {
        using var bundle = data.NewBundle(ModelKind.Mlp, DataKind.Vectors, standardise: false);
        Assert.InRange(MaxDifference(bundle, "Mlp linear, no standardisation"), 0, Tolerance);
    }

    [Theory]
    [InlineData(13)]
    [InlineData(18)]
    [InlineData(21)]
    public void EveryOpsetInRangeGivesTheSameEmbeddings(int opset)
    {
        using var bundle = data.NewBundle(ModelKind.ConvNet, DataKind.Images, trainSteps: 10);
        Assert.InRange(MaxDifference(bundle, "ConvNet", opset), 0, Tolerance);
    }

    [Fact]
    public void CustomSequential_WithBatchNormAndDropout_IsExported()
    {
        torch.manual_seed(3);
        var net = nn.Sequential(
            ("features", nn.Sequential(
                ("conv", nn.Conv2d(1, 8, 3, stride: 2, padding: 1)),
                ("bn", nn.BatchNorm2d(8)),
                ("relu", nn.ReLU()),
                ("pool", nn.MaxPool2d(2)))),
            ("drop", nn.Dropout(0.5)),
            ("flatten", nn.Flatten()),
            ("fc", nn.Linear(8 * 7 * 7, 32)),
            ("bn1", nn.BatchNorm1d(32)),
            ("id", nn.Identity()),
            ("out", nn.Linear(32, 12)));
        // Non-trivial running statistics, as after training.
        using (torch.no_grad())
        {
            foreach (var (name, buffer) in net.named_buffers())
            {
                if (name.EndsWith("running_mean", StringComparison.Ordinal)) buffer.copy_(torch.randn(buffer.shape).mul_(Scalars.Of(0.3)));
                if (name.EndsWith("running_var", StringComparison.Ordinal)) buffer.copy_(torch.rand(buffer.shape).add_(Scalars.Of(0.5)));
            }
            foreach (var (name, p) in net.named_parameters())
                if (name.Contains("bn", StringComparison.Ordinal)) p.copy_(torch.randn(p.shape).mul_(Scalars.Of(0.2)).add_(p));
        }
        var arch = new ModelArchitecture { Kind = ModelKind.Custom, InputShape = [1, 28, 28], EmbeddingDim = 12 };
        var input = new ModelInput { Kind = DataKind.Images, ItemShape = [1, 28, 28], Normalization = data.ImageNorm };
        using var bundle = new ModelBundle(net, arch, input, FashionMnist.ClassNames);
        Assert.InRange(MaxDifference(bundle, "Sequential Conv/BN/ReLU/MaxPool/Dropout/Flatten/Linear/BN1d"), 0, Tolerance);
    }

    [Fact]
    public void UnsupportedLayer_IsATypedErrorNamingIt()
    {
        var net = nn.Sequential(("flatten", nn.Flatten()), ("block", nn.Sequential(("fc", nn.Linear(784, 16)), ("act", nn.GELU()))));
        var arch = new ModelArchitecture { Kind = ModelKind.Custom, InputShape = [1, 28, 28], EmbeddingDim = 16 };
        using var bundle = new ModelBundle(net, arch, new ModelInput { Kind = DataKind.Images, ItemShape = [1, 28, 28] }, ["a"]);
        using var dir = new TestFolder("onnx");
        var e = Assert.Throws<UnsupportedLayerException>(() => OnnxExporter.Export(bundle, dir["m.onnx"]));
        Assert.Equal("block.act", e.LayerPath);
        Assert.Equal("GELU", e.LayerType);
        Assert.Contains("'block.act' (GELU)", e.Message);
        Assert.False(File.Exists(dir["m.onnx"]));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void CustomForwardPass_IsATypedErrorNamingTheModule()
    {
        var arch = new ModelArchitecture { Kind = ModelKind.Custom, InputShape = [4], EmbeddingDim = 4 };
        using var bundle = new ModelBundle(new Opaque(), arch, new ModelInput { Kind = DataKind.Vectors, ItemShape = [4] }, ["a"]);
        var e = Assert.Throws<UnsupportedLayerException>(() => OnnxExporter.ToBytes(bundle));
        Assert.Equal("", e.LayerPath);
        Assert.Equal(nameof(Opaque), e.LayerType);
        Assert.Contains("custom forward pass", e.Message);
    }

    [Fact]
    public void NetworkWidthDifferentFromTheDescription_IsRejected()
    {
        var net = nn.Sequential(("fc", nn.Linear(4, 12)), ("drop", nn.Dropout()));
        var arch = new ModelArchitecture { Kind = ModelKind.Custom, InputShape = [4], EmbeddingDim = 16 };
        using var bundle = new ModelBundle(net, arch, new ModelInput { Kind = DataKind.Vectors, ItemShape = [4] }, ["a"]);
        var e = Assert.Throws<ArgumentException>(() => OnnxExporter.ToBytes(bundle));
        Assert.Contains("gives 12 dimensions but the model's architecture says 16", e.Message);
    }

    [Theory]
    [InlineData(12)]
    [InlineData(22)]
    public void OpsetOutOfRange_IsRejected(int opset)
    {
        using var bundle = data.NewBundle(ModelKind.Mlp, DataKind.Vectors);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => OnnxExporter.ToBytes(bundle, new OnnxExportOptions { Opset = opset }));
        Assert.Contains("Opset", e.Message);
    }

    [Fact]
    public void Metadata_RoundTripsThroughOnnxRuntime()
    {
        using var bundle = data.NewBundle(ModelKind.ConvNet, DataKind.Images);
        var calibration = new JsonObject { ["threshold"] = 0.42, ["far"] = 0.01 };
        using var dir = new TestFolder("onnx");
        OnnxExporter.Export(bundle, dir["m.onnx"], new OnnxExportOptions { Calibration = calibration });
        using var embedder = new OnnxEmbedder(dir["m.onnx"]);
        var info = embedder.Info;
        Assert.True(info.IsTripletSharpModel);
        Assert.Equal("ConvNet", info.Architecture);
        Assert.Equal("images", info.InputKind);
        Assert.Equal(new long[] { 1, 28, 28 }, info.ItemShape);
        Assert.Equal(new long[] { 1, 28, 28 }, embedder.ItemShape);
        Assert.Equal(784, embedder.ItemLength);
        Assert.Equal(16, embedder.EmbeddingDim);
        Assert.True(info.L2Normalized);
        Assert.Equal("cosine", embedder.DistanceName);
        Assert.Equal(FashionMnist.ClassNames, embedder.ClassNames);
        Assert.Equal(calibration.ToJsonString(), info.CalibrationJson);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(ModelBundle.SerializeModule(bundle.Module))), info.WeightsSha256);
        Assert.Equal("1", info.Metadata[OnnxMetadataKeys.Channels]);
        Assert.Equal("28", info.Metadata[OnnxMetadataKeys.ImageHeight]);
        Assert.Equal("28", info.Metadata[OnnxMetadataKeys.ImageWidth]);
        Assert.Equal("1", info.Metadata[OnnxMetadataKeys.Version]);
        var norm = JsonNode.Parse(info.Metadata[OnnxMetadataKeys.InputNormalization])!;
        Assert.Equal(data.ImageNorm.Mean[0], norm["mean"]![0]!.GetValue<float>());
        Assert.Equal(data.ImageNorm.Std[0], norm["std"]![0]!.GetValue<float>());
        var options = JsonNode.Parse(info.DataOptionsJson!)!;
        Assert.Equal(28, options["image_size"]!.GetValue<int>());
        Assert.True(options["grayscale"]!.GetValue<bool>());
        // Every key the exporter documents is one the embedder reads under the same name.
        Assert.All(
            new[] { OnnxMetadataKeys.Format, OnnxMetadataKeys.Architecture, OnnxMetadataKeys.InputKind, OnnxMetadataKeys.ItemShape, OnnxMetadataKeys.EmbeddingDim,
                    OnnxMetadataKeys.L2Normalized, OnnxMetadataKeys.Measure, OnnxMetadataKeys.Classes, OnnxMetadataKeys.DataOptions, OnnxMetadataKeys.Calibration, OnnxMetadataKeys.WeightsSha256 },
            k => Assert.True(info.Metadata.ContainsKey(k), k));
    }

    [Fact]
    public void CalibrationComesFromTheTrainingRecordWhenNotGiven_AndIsAbsentOtherwise()
    {
        using var plain = data.NewBundle(ModelKind.Mlp, DataKind.Vectors, normalize: false);
        using var dir = new TestFolder("onnx");
        OnnxExporter.Export(plain, dir["a.onnx"]);
        using (var e = new OnnxEmbedder(dir["a.onnx"]))
        {
            Assert.Null(e.Info.CalibrationJson);
            Assert.False(e.Info.L2Normalized);
            Assert.Equal("Mlp", e.Info.Architecture);
            Assert.Equal("vectors", e.Info.InputKind);
            Assert.False(e.Info.Metadata.ContainsKey(OnnxMetadataKeys.Channels));
        }
        var training = new JsonObject { ["calibration"] = new JsonObject { ["threshold"] = 1.5 } };
        using var calibrated = new ModelBundle(plain.Module, plain.Architecture, plain.Input, plain.ClassNames, training);
        OnnxExporter.Export(calibrated, dir["b.onnx"]);
        using var b = new OnnxEmbedder(dir["b.onnx"]);
        Assert.Equal("{\"threshold\":1.5}", b.Info.CalibrationJson);
        Assert.Equal("euclidean", b.DistanceName);
    }

    [Fact]
    public void Export_IsDeterministicAndAtomic()
    {
        using var bundle = data.NewBundle(ModelKind.ConvNet, DataKind.Images);
        using var dir = new TestFolder("onnx");
        var path = dir["sub/model.onnx"];
        OnnxExporter.Export(bundle, path);
        var first = File.ReadAllBytes(path);
        OnnxExporter.Export(bundle, path);
        Assert.Equal(first, File.ReadAllBytes(path));
        Assert.Equal(first, OnnxExporter.ToBytes(bundle));
        Assert.Equal(new[] { "model.onnx" }, Directory.GetFiles(dir["sub"]).Select(Path.GetFileName));
        var onnx = global::Onnx.ModelProto.Parser.ParseFrom(first);
        Assert.Equal(OnnxExporter.DefaultOpset, onnx.OpsetImport.Single().Version);
        Assert.Equal(8, onnx.IrVersion);
        Assert.Equal(OnnxExporter.InputName, onnx.Graph.Input.Single().Name);
        Assert.Equal(OnnxExporter.OutputName, onnx.Graph.Output.Single().Name);
        Assert.Equal(OnnxExporter.BatchDimension, onnx.Graph.Input.Single().Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(
            ["Sub", "Div", "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm", "ReduceL2", "Max", "Div", "Identity"],
            onnx.Graph.Node.Select(n => n.OpType).ToArray());
    }

    private sealed class Opaque : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc = nn.Linear(4, 4);

        public Opaque() : base(nameof(Opaque)) => RegisterComponents();

        public override Tensor forward(Tensor input) => fc.forward(input).tanh();
    }
}
