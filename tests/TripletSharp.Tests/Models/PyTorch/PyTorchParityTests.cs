using TorchSharp;
using TorchSharp.PyBridge;
using TripletSharp.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Models.PyTorch;

/// <summary>
/// The proof that weights saved by PyTorch mean the same here: torchvision (Debian's python3-torchvision, torch 1.13)
/// saves a randomly initialised ResNet-18 and its output on a fixed input; TripletSharp's backbone loads the file and
/// must give the same output.
/// </summary>
public class PyTorchParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    [TorchVisionFact]
    public void ResNet18_WeightsSavedByPyTorch_GiveTorchvisionsFeatures()
    {
        using var net = new BackboneNet(ModelKind.ResNet18, channels: 3, embeddingDim: 8);
        PretrainedWeights.Load(net, Path.Combine(TorchVisionFixture.Directory, "resnet18.pth"));
        double diff = MaxFeatureDifference(net);
        output.WriteLine($"max |features - torchvision| = {diff:E3}");
        Assert.InRange(diff, 0, Tolerance);
        // The comparison has teeth: the same network with its own random weights is far off.
        using var unloaded = new BackboneNet(ModelKind.ResNet18, channels: 3, embeddingDim: 8);
        Assert.True(MaxFeatureDifference(unloaded) > 1e-2);
    }

    [TorchVisionFact]
    public void ResNet18_TheSameWeightsAsSafetensors_GiveTheSameFeatures()
    {
        var folder = new TestFolder();
        using var _ = folder;
        var state = PretrainedWeights.Read(Path.Combine(TorchVisionFixture.Directory, "resnet18.pth"));
        var path = folder["resnet18.safetensors"];
        using (var fs = File.Create(path)) Safetensors.SaveStateDict(fs, state);
        foreach (var t in state.Values) t.Dispose();
        using var net = new BackboneNet(ModelKind.ResNet18, channels: 3, embeddingDim: 8);
        PretrainedWeights.Load(net, path);
        Assert.InRange(MaxFeatureDifference(net), 0, Tolerance);
    }

    [TorchVisionFact]
    public void EveryBackbone_HasTorchvisionsKeysAndShapes_LessTheClassifier()
    {
        var expected = File.ReadAllLines(Path.Combine(TorchVisionFixture.Directory, "keys.txt"))
            .Where(l => l.Length > 0)
            .Select(l => l.Split(' '))
            .GroupBy(f => f[0], f => (Key: f[1], Shape: f[2]))
            .ToDictionary(g => g.Key, g => g.ToList());
        foreach (var kind in BackboneNet.Kinds)
        {
            var name = ModelKinds.Name(kind);
            var classifier = BackboneNet.ClassifierPrefix(kind);
            using var net = new BackboneNet(kind, channels: 3, embeddingDim: 4);
            var ours = net.Backbone.state_dict().Select(kv => (Key: kv.Key, Shape: string.Join(",", kv.Value.shape))).OrderBy(k => k.Key, StringComparer.Ordinal).ToList();
            var theirs = expected[name].Where(k => !k.Key.StartsWith(classifier, StringComparison.Ordinal)).OrderBy(k => k.Key, StringComparer.Ordinal).ToList();
            Assert.True(theirs.SequenceEqual(ours),
                $"{name}: only in torchvision: {string.Join(" ", theirs.Except(ours).Take(5))}; only here: {string.Join(" ", ours.Except(theirs).Take(5))}");
            Assert.Equal(BackboneTrunk.FeatureDim(kind), net.FeatureDim);
        }
    }

    /// <summary>Max |difference| between the backbone's pooled features and torchvision's (fc replaced by Identity, eval mode).</summary>
    private static double MaxFeatureDifference(BackboneNet net)
    {
        using var scope = torch.NewDisposeScope();
        var io = PretrainedWeights.Read(Path.Combine(TorchVisionFixture.Directory, "io.pth"));
        net.eval();
        using var noGrad = torch.no_grad();
        var features = net.Backbone.forward(io["input"]);
        Assert.Equal(io["features"].shape, features.shape);
        return features.sub(io["features"]).abs().max().item<float>();
    }
}
