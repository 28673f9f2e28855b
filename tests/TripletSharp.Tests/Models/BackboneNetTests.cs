using TorchSharp;
using TorchSharp.PyBridge;
using TripletSharp.Data;
using TripletSharp.Export;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Models;

public class BackboneNetTests
{
    private static Tensor Images(long n, long channels = 3, long size = 32, int seed = 7)
    {
        var gen = new Random(seed);
        var x = new float[n * channels * size * size];
        for (int i = 0; i < x.Length; i++) x[i] = (float)gen.NextDouble();
        return torch.tensor(x, [n, channels, size, size]);
    }

    /// <summary>The backbone's state dictionary under PyTorch's names, plus a classifier as torchvision has it.</summary>
    private static Dictionary<string, Tensor> PyTorchStyleStateDict(BackboneNet net)
    {
        var d = net.Backbone.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.is_floating_point() ? kv.Value.detach().clone().add_(Scalars.Of(0.01)) : kv.Value.detach().clone());
        var classifier = BackboneNet.ClassifierPrefix(net.Kind);
        d[classifier + "weight"] = torch.zeros(1000, net.FeatureDim);
        d[classifier + "bias"] = torch.zeros(1000);
        return d;
    }

    [Fact]
    public void EveryBackbone_EmbedsIntoUnitRows_OfTheEmbeddingDim_AndSurvivesSaveAndLoad()
    {
        using var dir = new TestFolder();
        foreach (var kind in BackboneNet.Kinds)
        {
            torch.manual_seed(1);
            var arch = new ModelArchitecture { Kind = kind, InputShape = [3, 32, 32], EmbeddingDim = 6, HeadBatchNorm = kind == ModelKind.ResNet18 };
            using var x = Images(4);
            using var bundle = new ModelBundle(arch.Create(), arch, new ModelInput { ItemShape = [3, 32, 32], Normalization = InputNormalization.ImageNet(3) }, ["a", "b"]);
            using var e = bundle.Embed(x);
            Assert.Equal(new long[] { 4, 6 }, e.shape);
            var norms = e.pow(Scalars.Of(2)).sum(1).data<float>().ToArray();
            Assert.All(norms, n => Assert.Equal(1.0, n, 4));
            var folder = dir[ModelKinds.Name(kind)];
            bundle.Save(folder);
            Assert.Contains($"\"kind\": \"{ModelKinds.Name(kind)}\"", File.ReadAllText(Path.Combine(folder, ModelBundle.ManifestFileName)));
            using var loaded = ModelBundle.Load(folder);
            Assert.Equal(kind, loaded.Architecture.Kind);
            Assert.Equal(arch.HeadBatchNorm, loaded.Architecture.HeadBatchNorm);
            Assert.Equal(InputNormalization.ImageNetMean, loaded.Input.Normalization!.Mean);
            using var again = loaded.Embed(x);
            Assert.Equal(e.data<float>().ToArray(), again.data<float>().ToArray());
        }
    }

    [Fact]
    public void GreyImages_AreTheColourImageWithThreeEqualChannels()
    {
        torch.manual_seed(2);
        using var grey = new BackboneNet(ModelKind.MobileNetV3Small, channels: 1, embeddingDim: 5);
        torch.manual_seed(2);
        using var colour = new BackboneNet(ModelKind.MobileNetV3Small, channels: 3, embeddingDim: 5);
        grey.eval();
        colour.eval();
        using var x = Images(3, channels: 1);
        using var _ = torch.no_grad();
        using var a = grey.forward(x);
        using var b = colour.forward(x.repeat(1, 3, 1, 1));
        Assert.Equal(b.data<float>().ToArray(), a.data<float>().ToArray());
        Assert.Throws<ArgumentException>(() => new BackboneNet(ModelKind.ResNet18, channels: 4));
        Assert.Throws<ArgumentException>(() => new BackboneNet(ModelKind.ConvNet));
    }

    [Fact]
    public void PyTorchKeys_LoadIntoTheBackbone_DroppingTheClassifierAndAModulePrefix()
    {
        torch.manual_seed(3);
        using var source = new BackboneNet(ModelKind.ResNet18, embeddingDim: 4);
        var state = PyTorchStyleStateDict(source);
        var parallel = state.ToDictionary(kv => "module." + kv.Key, kv => kv.Value);
        foreach (var dict in new[] { state, parallel })
        {
            torch.manual_seed(4);
            using var net = new BackboneNet(ModelKind.ResNet18, embeddingDim: 4);
            var headBefore = net.HeadParameters().Select(p => p.detach().clone()).ToList();
            PretrainedWeights.Load(net, dict);
            foreach (var (key, value) in net.Backbone.state_dict())
                Assert.True(Same(value, state[key]), key);
            // The head keeps its own initialisation.
            Assert.All(net.HeadParameters().Zip(headBefore), p => Assert.True(Same(p.First, p.Second)));
        }
    }

    [Fact]
    public void AWrongShape_AMissingKey_AndAnUnexpectedKey_AreNamedWithTheirShapes_AndNothingIsLoaded()
    {
        torch.manual_seed(5);
        using var source = new BackboneNet(ModelKind.ResNet18, embeddingDim: 4);
        torch.manual_seed(6);
        using var net = new BackboneNet(ModelKind.ResNet18, embeddingDim: 4);
        var before = net.Backbone.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

        var wrongShape = PyTorchStyleStateDict(source);
        wrongShape["layer4.1.conv2.weight"] = torch.zeros(512, 512, 1, 1);
        var e = Assert.Throws<WeightsMismatchException>(() => PretrainedWeights.Load(net, wrongShape, "w.pth"));
        Assert.Contains("'layer4.1.conv2.weight' is [512, 512, 1, 1] in the file but [512, 512, 3, 3] in resnet18", e.Message);
        Assert.StartsWith("w.pth: ", e.Message);
        var m = Assert.Single(e.Mismatches);
        Assert.Equal(new long[] { 512, 512, 3, 3 }, m.ModelShape);

        var missing = PyTorchStyleStateDict(source);
        missing.Remove("bn1.running_var");
        e = Assert.Throws<WeightsMismatchException>(() => PretrainedWeights.Load(net, missing, "w.pth"));
        Assert.Contains("'bn1.running_var' [64] of resnet18 is missing from the file", e.Message);

        var unexpected = PyTorchStyleStateDict(source);
        unexpected["layer5.0.conv1.weight"] = torch.zeros(2, 3);
        e = Assert.Throws<WeightsMismatchException>(() => PretrainedWeights.Load(net, unexpected, "w.pth"));
        Assert.Contains("'layer5.0.conv1.weight' [2, 3] in the file is not a key of resnet18", e.Message);

        // All or nothing: the keys before the bad one were not copied either.
        foreach (var (key, value) in net.Backbone.state_dict())
            Assert.True(Same(value, before[key]), key);
    }

    [Fact]
    public void WeightFiles_PyTorchAndSafetensors_LoadAlike_AndOtherFilesAreRefusedClearly()
    {
        using var dir = new TestFolder();
        torch.manual_seed(7);
        using var source = new BackboneNet(ModelKind.MobileNetV2, embeddingDim: 4);
        var state = PyTorchStyleStateDict(source);
        using (var fs = File.Create(dir["w.safetensors"])) Safetensors.SaveStateDict(fs, state);
        using (var fs = File.Create(dir["w.pth"])) PyTorchPickler.PickleStateDict(fs, state);
        foreach (var file in new[] { "w.safetensors", "w.pth" })
        {
            torch.manual_seed(8);
            using var net = new BackboneNet(ModelKind.MobileNetV2, embeddingDim: 4);
            PretrainedWeights.Load(net, dir[file]);
            foreach (var (key, value) in net.Backbone.state_dict()) Assert.True(Same(value, state[key]), $"{file}: {key}");
        }
        File.WriteAllText(dir["junk.pt"], "not a state dict");
        using var target = new BackboneNet(ModelKind.MobileNetV2, embeddingDim: 4);
        var e = Assert.Throws<ModelFormatException>(() => PretrainedWeights.Load(target, dir["junk.pt"]));
        Assert.Contains("junk.pt: not a PyTorch state dict", e.Message);
        Assert.Throws<FileNotFoundException>(() => PretrainedWeights.Load(target, dir["absent.pth"]));
        // Weights of another backbone: every key is reported, named in PyTorch's terms.
        var wrongModel = Assert.Throws<WeightsMismatchException>(() => PretrainedWeights.Load(new BackboneNet(ModelKind.ResNet18), dir["w.pth"]));
        Assert.Contains("more key(s)", wrongModel.Message);
    }

    [Fact]
    public void OnnxExport_RefusesBackbonesClearly()
    {
        var arch = new ModelArchitecture { Kind = ModelKind.ResNet18, InputShape = [3, 32, 32], EmbeddingDim = 4 };
        using var bundle = new ModelBundle(arch.Create(), arch, new ModelInput { ItemShape = [3, 32, 32] }, ["a", "b"]);
        using var dir = new TestFolder();
        var e = Assert.Throws<UnsupportedLayerException>(() => OnnxExporter.Export(bundle, dir["m.onnx"]));
        Assert.Equal(nameof(BackboneNet), e.LayerType);
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
