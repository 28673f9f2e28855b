using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Models;

/// <summary>
/// A TorchVision network without its classifier: its feature stages, registered under TorchVision's (and PyTorch's)
/// own names, then global average pooling. The state dictionary is therefore PyTorch's <c>state_dict()</c> of the same
/// model less the classifier's keys (<c>fc.*</c> for ResNets, <c>classifier.*</c> for MobileNets).
/// </summary>
internal sealed class BackboneTrunk : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor>[] stages;

    public BackboneTrunk(ModelKind kind) : base($"{kind}Trunk")
    {
        var (full, stageNames) = Build(kind);
        var children = full.named_children().ToDictionary(c => c.name, c => c.module);
        stages = stageNames.Select(n => (nn.Module<Tensor, Tensor>)children[n]).ToArray();
        for (int i = 0; i < stages.Length; i++) register_module(stageNames[i], stages[i]);
        // The classifier is thrown away. The emptied TorchVision container is left to the garbage collector:
        // disposing it would dispose the stages, which this trunk now owns.
        foreach (var (name, module) in children)
            if (!stageNames.Contains(name)) module.Dispose();
        Kind = kind;
    }

    /// <summary>The architecture.</summary>
    public ModelKind Kind { get; }

    /// <summary>Width of the pooled feature vector (the input of the classifier that was removed).</summary>
    public static long FeatureDim(ModelKind kind) => kind switch
    {
        ModelKind.ResNet18 or ModelKind.ResNet34 => 512,
        ModelKind.ResNet50 => 2048,
        ModelKind.MobileNetV2 => 1280,
        ModelKind.MobileNetV3Small => 576,
        ModelKind.MobileNetV3Large => 960,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"{kind} is not a pretrained backbone."),
    };

    /// <summary>The prefix of the classifier's keys in PyTorch's state dictionary of the full model.</summary>
    public static string ClassifierPrefix(ModelKind kind) => kind is ModelKind.ResNet18 or ModelKind.ResNet34 or ModelKind.ResNet50 ? "fc." : "classifier.";

    /// <summary>N×3×H×W images → N×<see cref="FeatureDim"/> pooled features.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = input;
        foreach (var stage in stages) x = stage.call(x);
        return nn.functional.adaptive_avg_pool2d(x, 1).flatten(1).MoveToOuterDisposeScope();
    }

    private static (nn.Module Full, string[] Stages) Build(ModelKind kind)
    {
        string[] resnet = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"];
        return kind switch
        {
            ModelKind.ResNet18 => (torchvision.models.resnet18(), resnet),
            ModelKind.ResNet34 => (torchvision.models.resnet34(), resnet),
            ModelKind.ResNet50 => (torchvision.models.resnet50(), resnet),
            ModelKind.MobileNetV2 => (torchvision.models.mobilenet_v2(), ["features"]),
            ModelKind.MobileNetV3Small => (torchvision.models.mobilenet_v3_small(), ["features"]),
            ModelKind.MobileNetV3Large => (torchvision.models.mobilenet_v3_large(), ["features"]),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"{kind} is not a pretrained backbone."),
        };
    }
}
