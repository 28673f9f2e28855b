using TorchSharp;
using TorchSharp.Modules;
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

    /// <summary>Whether <see cref="ForwardReduced"/> computes this architecture: the ResNets of basic blocks (18 and 34).</summary>
    public bool HasReducedPath => Kind is ModelKind.ResNet18 or ModelKind.ResNet34;

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

    /// <summary>
    /// The same function as <see cref="forward"/>, for the ResNets of basic blocks (<see cref="HasReducedPath"/>),
    /// computed in <paramref name="type"/>: TorchVision's ResNet written out with the functional operations, every
    /// convolution weight cast to <paramref name="type"/> inside the graph (the float32 parameters receive float32
    /// gradients) and, in a reduced type, channels-last (<see cref="MemoryLayout"/>). BatchNorm takes the <paramref name="type"/>
    /// activations with its float32 affine parameters and running statistics, follows its module's training/eval mode,
    /// and in training mode updates the statistics and <c>num_batches_tracked</c> as the module would. Returns the
    /// pooled features in <paramref name="type"/>.
    /// </summary>
    public Tensor ForwardReduced(Tensor input, ScalarType type)
    {
        if (!HasReducedPath) throw new InvalidOperationException($"{Kind} has no reduced-precision path.");
        using var scope = torch.NewDisposeScope();
        var modules = named_modules().ToDictionary(m => m.name, m => m.module);
        // Channels-last only in a reduced type, where it was measured to pay. In float32 it gains nothing and libtorch
        // 2.10's oneDNN computes 1×1 stride-2 convolutions of 256 → 512 channels wrongly on AMD Zen 5 (~50 % off).
        Tensor Layout(Tensor t) => type == ScalarType.Float32 ? t : MemoryLayout.ChannelsLast(t);
        Tensor Conv(string name, Tensor x, long stride, long padding) =>
            nn.functional.conv2d(x, Layout(((Conv2d)modules[name]).weight!.to(type)), null,
                strides: [stride, stride], padding: [padding, padding]);
        Tensor Norm(string name, Tensor x)
        {
            var bn = (BatchNorm2d)modules[name];
            if (bn.training)
                using (torch.no_grad()) bn.num_batches_tracked?.add_(Scalars.I1, Scalars.I1);
            return nn.functional.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, bn.training, bn.momentum ?? 0.1, bn.eps);
        }
        var h = nn.functional.relu(Norm("bn1", Conv("conv1", Layout(input.to(type)), 2, 3)));
        h = nn.functional.max_pool2d(h, 3, 2, 1);
        for (int layer = 1; layer <= 4; layer++)
        {
            for (int block = 0; modules.ContainsKey($"layer{layer}.{block}"); block++)
            {
                string b = $"layer{layer}.{block}.";
                bool down = modules.ContainsKey(b + "downsample");
                long stride = layer > 1 && block == 0 ? 2 : 1;
                var o = nn.functional.relu(Norm(b + "bn1", Conv(b + "conv1", h, stride, 1)));
                o = Norm(b + "bn2", Conv(b + "conv2", o, 1, 1));
                var identity = down ? Norm(b + "downsample.1", Conv(b + "downsample.0", h, stride, 0)) : h;
                h = nn.functional.relu(o.add_(identity, Scalars.One));
            }
        }
        return nn.functional.adaptive_avg_pool2d(h, 1).flatten(1).MoveToOuterDisposeScope();
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
