using TorchSharp;
using TorchSharp.Modules;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Training;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Training;

/// <summary>
/// bf16-mixed for the ResNet-18 backbone and the MLP: the bfloat16 training forward computes the float32 function
/// (checked against the float32 forward of the same weights within the stated tolerances), BatchNorm's running
/// statistics move as in float32, gradients reach the float32 master weights, training works, and the models without
/// a bfloat16 path fall back.
/// </summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class BackbonePrecisionTests
{
    /// <summary>Largest |bf16 − fp32| of an L2-normalised embedding coordinate allowed (bfloat16 keeps 8 significant bits, ~0.4 % per operation).</summary>
    private const float EmbeddingTolerance = 0.06f;

    private static float[] Values(Tensor t) => t.detach().to_type(ScalarType.Float32).data<float>().ToArray();

    private static double Cosine(float[] a, float[] b)
    {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++) { ab += (double)a[i] * b[i]; aa += (double)a[i] * a[i]; bb += (double)b[i] * b[i]; }
        return ab / Math.Sqrt(aa * bb);
    }

    /// <summary>Every parameter's gradient, concatenated in parameter order.</summary>
    private static float[] Gradients(nn.Module module) =>
        module.parameters().SelectMany(p => p.grad is null ? new float[p.numel()] : Values(p.grad)).ToArray();

    private static Dictionary<string, float[]> Buffers(nn.Module module) =>
        module.named_buffers().ToDictionary(b => b.name, b => Values(b.buffer));

    [Fact]
    public void ResNet18_Bf16TrainingForward_MatchesFloat32_InOutputsStatisticsAndGradients_AndEvalIsFloat32Exactly()
    {
        if (!MixedPrecision.SupportsBf16(torch.CPU)) return;
        torch.manual_seed(3);
        using var net = new BackboneNet(ModelKind.ResNet18, channels: 3, embeddingDim: 16);
        using var x = torch.rand(6, 3, 32, 32, generator: new Generator(4));
        using var target = torch.randn(6, 16, generator: new Generator(5));
        var initial = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        Assert.True(net.SupportsReducedPrecision);

        (float[] Output, float[] Grad, Dictionary<string, float[]> Stats) TrainForward(ScalarType type)
        {
            using var scope = torch.NewDisposeScope();
            using (torch.no_grad())
                foreach (var (name, value) in net.state_dict()) value.copy_(initial[name]);
            net.zero_grad();
            net.train();
            net.TrainingComputeType = type;
            var e = net.forward(x);
            Assert.Equal(ScalarType.Float32, e.dtype);
            e.mul(target).sum().backward();
            return (Values(e), Gradients(net), Buffers(net));
        }

        var full = TrainForward(ScalarType.Float32);
        var reduced = TrainForward(ScalarType.BFloat16);
        Assert.NotEqual(full.Output, reduced.Output);
        float worst = full.Output.Zip(reduced.Output, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < EmbeddingTolerance, $"max |bf16 − fp32| = {worst}");
        Assert.True(Cosine(full.Output, reduced.Output) > 0.995, $"output cosine {Cosine(full.Output, reduced.Output)}");
        // The float32 master weights receive float32 gradients pointing the same way as float32's.
        Assert.All(net.parameters(), p => Assert.Equal(ScalarType.Float32, p.grad!.dtype));
        // bfloat16 noise compounds through the 20 layers of the backward pass (per-layer gradient cosines 0.8–1.0 here);
        // the head's gradient is near exact. The structure itself is checked in float32 to 1e-4 below.
        Assert.True(Cosine(full.Grad, reduced.Grad) > 0.8, $"gradient cosine {Cosine(full.Grad, reduced.Grad)}");
        int head = net.parameters().Take(net.parameters().Count() - 2).Sum(p => (int)p.numel());
        Assert.True(Cosine(full.Grad[head..], reduced.Grad[head..]) > 0.99, $"head gradient cosine {Cosine(full.Grad[head..], reduced.Grad[head..])}");
        // BatchNorm's running statistics and batch counters move as the float32 modules move them.
        foreach (var (name, values) in full.Stats)
        {
            if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) { Assert.Equal(values, reduced.Stats[name]); continue; }
            float diff = values.Zip(reduced.Stats[name], (a, b) => Math.Abs(a - b) / Math.Max(1f, Math.Abs(a))).Max();
            Assert.True(diff < 0.02f, $"{name}: relative difference {diff}");
        }
        Assert.NotEqual(initial["backbone.bn1.running_mean"].data<float>().ToArray(), reduced.Stats["backbone.bn1.running_mean"]);

        // Eval mode is float32 whatever the training type.
        net.eval();
        using var evalFull = net.forward(x);
        net.TrainingComputeType = ScalarType.BFloat16;
        using var evalReduced = net.forward(x);
        Assert.Equal(Values(evalFull), Values(evalReduced));
        foreach (var t in initial.Values) t.Dispose();
    }

    [Fact]
    public void ResNet18_FunctionalPath_InFloat32_IsTheModuleForward_ValuesGradientsAndStatistics()
    {
        torch.manual_seed(6);
        using var net = new BackboneNet(ModelKind.ResNet18, channels: 3, embeddingDim: 4);
        var trunk = (BackboneTrunk)net.Backbone;
        using var x = torch.rand(4, 3, 40, 40, generator: new Generator(7));
        var initial = trunk.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        (float[] Out, float[] Grad, Dictionary<string, float[]> Stats) Run(Func<Tensor, Tensor> f)
        {
            using var scope = torch.NewDisposeScope();
            using (torch.no_grad())
                foreach (var (name, value) in trunk.state_dict()) value.copy_(initial[name]);
            trunk.zero_grad();
            trunk.train();
            var y = f(x);
            y.square().sum().backward();
            return (Values(y), Gradients(trunk), Buffers(trunk));
        }
        var module = Run(trunk.forward);
        var functional = Run(t => trunk.ForwardReduced(t, ScalarType.Float32));
        Assert.Equal(512, module.Out.Length / 4);
        float outError = module.Out.Zip(functional.Out, (a, b) => Math.Abs(a - b) / Math.Max(1f, Math.Abs(a))).Max();
        Assert.True(outError < 1e-4f, $"output differs by {outError}");
        Assert.True(module.Grad.Zip(functional.Grad, (a, b) => Math.Abs(a - b)).Max() < 1e-4f * Math.Max(1f, module.Grad.Max(Math.Abs)));
        foreach (var (name, values) in module.Stats)
            Assert.True(values.Zip(functional.Stats[name], (a, b) => Math.Abs(a - b)).Max() < 1e-4f, name);
        foreach (var t in initial.Values) t.Dispose();
    }

    [Fact]
    public void Mlp_Bf16TrainingForward_IsCloseToFloat32_AndEvalIsFloat32Exactly()
    {
        torch.manual_seed(1);
        using var net = new Mlp(12, [10, 6], 5);
        using var x = torch.rand(7, 12, generator: new Generator(2));
        net.train();
        using var full = net.forward(x);
        net.TrainingComputeType = ScalarType.BFloat16;
        using var reduced = net.forward(x);
        Assert.Equal(ScalarType.Float32, reduced.dtype);
        float worst = Values(full).Zip(Values(reduced), (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 0.03f, $"max |bf16 − fp32| = {worst}");
        Assert.NotEqual(Values(full), Values(reduced));
        net.eval();
        using var evaluated = net.forward(x);
        Assert.Equal(Values(full), Values(evaluated));
        Assert.Throws<ArgumentOutOfRangeException>(() => { net.TrainingComputeType = ScalarType.Float16; });
    }

    [Fact]
    public void ResNet50_HasNoBf16Path_FallsBackToFp32WithOneNotice_AndRefusesBf16()
    {
        using var net = new BackboneNet(ModelKind.ResNet50, channels: 3, embeddingDim: 4);
        Assert.False(net.SupportsReducedPrecision);
        var said = new List<string>();
        Assert.Equal(TrainingPrecision.Fp32, MixedPrecision.Apply(net, TrainingPrecision.Bf16Mixed, hardwareSupports: true, said.Add));
        Assert.Equal("Precision bf16-mixed: the resnet50 model has no bfloat16 path; training in fp32.", Assert.Single(said));
        Assert.Equal(ScalarType.Float32, net.TrainingComputeType);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => { net.TrainingComputeType = ScalarType.BFloat16; });
        Assert.Contains("resnet50", e.Message);

        using var resnet = new BackboneNet(ModelKind.ResNet18, channels: 1, embeddingDim: 4);
        said.Clear();
        Assert.Equal(TrainingPrecision.Fp32, MixedPrecision.Apply(resnet, TrainingPrecision.Bf16Mixed, hardwareSupports: false, said.Add));
        Assert.Equal(ScalarType.Float32, resnet.TrainingComputeType);
        Assert.Contains("no native bfloat16", Assert.Single(said));
    }

    [Fact]
    public void ResNet18_TrainsInBf16Mixed_WithFloat32MasterWeights_AndLowerLoss()
    {
        if (!MixedPrecision.SupportsBf16(torch.CPU)) return;
        var gen = new Random(11);
        const int classes = 4, perClass = 6, size = 32;
        Dataset Make(int n)
        {
            var x = new float[n * 3 * size * size];
            var labels = new long[n];
            for (int i = 0; i < n; i++)
            {
                labels[i] = i % classes;
                for (int j = 0; j < 3 * size * size; j++)
                    x[i * 3 * size * size + j] = (float)Math.Clamp(0.2 * labels[i] + 0.3 * gen.NextDouble() + 0.1 * (j % 3), 0, 1);
            }
            return new Dataset(torch.tensor(x, [n, 3, size, size]), labels, Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray(), DataKind.Images);
        }
        using var data = new DatasetSplit(Make(classes * perClass), Make(classes * 3), "synthetic", DataFormat.Folder);
        var options = new TrainerOptions
        {
            Model = ModelKind.ResNet18, Epochs = 3, ClassesPerBatch = 4, SamplesPerClass = 2, BatchesPerEpoch = 2, EmbeddingDim = 8,
            Threads = 1, Seed = 5, LearningRate = 1e-3, ComputeNmi = false, Precision = TrainingPrecision.Bf16Mixed,
        };
        var result = new Trainer(options).Fit(data);
        Assert.Equal(TrainingStatus.Completed, result.Status);
        using var model = result.Model!;
        Assert.Equal(ScalarType.BFloat16, ((BackboneNet)model.Module).TrainingComputeType);
        Assert.All(model.Module.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.True(result.History[^1].Loss < result.History[0].Loss, $"loss {result.History[0].Loss} → {result.History[^1].Loss}");
        var fp32 = new Trainer(options with { Precision = TrainingPrecision.Fp32 }).Fit(data);
        Assert.NotEqual(result.History.Select(h => h.Loss), fp32.History.Select(h => h.Loss));
        fp32.Model?.Dispose();
    }
}
