using System.Text.Json.Nodes;
using TorchSharp;
using TripletSharp.Cli;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Tests.Cli;
using TripletSharp.Tests.Models;
using TripletSharp.Training;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Training;

/// <summary><see cref="TrainerOptions.Precision"/>: bf16-mixed trains with float32 master weights, resumes exactly, falls back with a notice, parses.</summary>
[Collection(InProcessTrainingCollection.Name)]
public class MixedPrecisionTests
{
    private static TrainerOptions Small(string outDir, TrainingPrecision precision) => new()
    {
        Epochs = 3,
        ClassesPerBatch = 4,
        SamplesPerClass = 4,
        BatchesPerEpoch = 4,
        Model = ModelKind.ConvNet,
        EmbeddingDim = 8,
        Threads = 1,
        Seed = 2,
        LearningRate = 1e-2,
        OutputDirectory = outDir,
        Precision = precision,
    };

    /// <summary>4 classes of 1×8×8 images: a bright square in one quadrant per class, plus noise.</summary>
    private static DatasetSplit Squares()
    {
        var gen = new Random(4);
        Dataset Make(int perClass, string split)
        {
            int n = 4 * perClass;
            var x = new float[n * 64];
            var labels = new long[n];
            for (int i = 0; i < n; i++)
            {
                int c = i % 4;
                labels[i] = c;
                for (int p = 0; p < 64; p++)
                {
                    int r = p / 8, col = p % 8;
                    bool on = r / 4 == c / 2 && col / 4 == c % 2;
                    x[i * 64 + p] = (float)((on ? 0.8 : 0.1) + 0.2 * gen.NextDouble());
                }
            }
            return new Dataset(torch.tensor(x, [n, 1, 8, 8]), labels, ["a", "b", "c", "d"], DataKind.Images,
                Enumerable.Range(0, n).Select(i => $"{split}/{i}").ToArray());
        }
        return new DatasetSplit(Make(16, "train"), Make(6, "test"), "squares", DataFormat.Idx);
    }

    [Fact]
    public void Bf16Mixed_Trains_KeepsFloat32MasterWeights_RecordsTheMode_AndResumesExactly()
    {
        // Without native bfloat16 the run is fp32 (the fallback has its own test).
        if (!MixedPrecision.SupportsBf16(torch.CPU)) return;
        using var whole = new TestFolder();
        using var parts = new TestFolder();
        using var plain = new TestFolder();
        using var data = Squares();
        var reference = new Trainer(Small(whole.Path, TrainingPrecision.Bf16Mixed)).Fit(data);
        Assert.True(reference.History[^1].Loss < reference.History[0].Loss, $"loss {reference.History[0].Loss} → {reference.History[^1].Loss}");
        Assert.All(reference.Model!.Module.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.Equal("bf16-mixed", (string)JsonNode.Parse(File.ReadAllText(new RunFolder(whole.Path).ConfigPath))!["trainer"]!["precision"]!);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(new RunFolder(whole.Path).ModelDirectory, ModelBundle.ManifestFileName)))!;
        Assert.Contains("\"precision\": \"bf16-mixed\"", manifest.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));

        // bf16 is really in use: the same run in fp32 takes other steps.
        var fp32 = new Trainer(Small(plain.Path, TrainingPrecision.Fp32)).Fit(data);
        Assert.NotEqual(reference.History.Select(h => h.Loss), fp32.History.Select(h => h.Loss));

        using var cts = new CancellationTokenSource();
        var first = new Trainer(Small(parts.Path, TrainingPrecision.Bf16Mixed));
        first.BatchCompleted += (_, p) => { if (p.Epoch == 2 && p.Batch == 2) cts.Cancel(); };
        Assert.Equal(TrainingStatus.Interrupted, first.Fit(data, null, cts.Token).Status);
        var resumed = new Trainer(Small(parts.Path, TrainingPrecision.Bf16Mixed) with { Resume = true }).Fit(data);
        Assert.Equal(reference.History.Select(h => (h.Epoch, h.Loss, h.Metrics)), resumed.History.Select(h => (h.Epoch, h.Loss, h.Metrics)));

        // Resuming with another precision is refused, naming the option.
        var e = Assert.Throws<ArgumentException>(() => new Trainer(Small(whole.Path, TrainingPrecision.Fp32) with { Resume = true, Epochs = 4 }).Fit(data));
        Assert.Contains("precision", e.Message);
    }

    [Fact]
    public void ConvNet_Bf16TrainingForward_IsCloseToFloat32_AndEvalIsFloat32Exactly()
    {
        torch.manual_seed(1);
        using var net = new ConvNet(1, 8, 8, 8);
        using var x = torch.rand(6, 1, 8, 8);
        net.train();
        using var full = net.forward(x);
        net.TrainingComputeType = ScalarType.BFloat16;
        using var reduced = net.forward(x);
        Assert.Equal(ScalarType.Float32, reduced.dtype);
        Assert.True(reduced.sub(full).abs().max().item<float>() < 0.05f);
        Assert.False(reduced.equal(full).all().item<bool>());
        net.eval();
        using var evaluated = net.forward(x);
        Assert.True(evaluated.equal(full).all().item<bool>());
        Assert.Throws<ArgumentOutOfRangeException>(() => { net.TrainingComputeType = ScalarType.Float64; });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ConvNet_Bf16TrainingBackward_GivesFloat32GradientsCloseToFloat32s(int channels)
    {
        // One channel takes the explicit channels-last strides (MemoryLayout), three the permuted copy.
        torch.manual_seed(2);
        using var net = new ConvNet(channels, 12, 12, 8);
        using var x = torch.rand(8, channels, 12, 12, generator: new Generator(3));
        using var target = torch.randn(8, 8, generator: new Generator(4));
        net.train();
        float[] Gradients(ScalarType type)
        {
            using var scope = torch.NewDisposeScope();
            net.zero_grad();
            net.TrainingComputeType = type;
            net.forward(x).mul(target).sum().backward();
            Assert.All(net.parameters(), p => Assert.Equal(ScalarType.Float32, p.grad!.dtype));
            return net.parameters().SelectMany(p => p.grad!.data<float>().ToArray()).ToArray();
        }
        var full = Gradients(ScalarType.Float32);
        var reduced = Gradients(ScalarType.BFloat16);
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < full.Length; i++) { ab += (double)full[i] * reduced[i]; aa += (double)full[i] * full[i]; bb += (double)reduced[i] * reduced[i]; }
        // bfloat16 keeps 8 significant bits; four layers deep the gradient still points the float32 way.
        Assert.True(ab / Math.Sqrt(aa * bb) > 0.99, $"gradient cosine {ab / Math.Sqrt(aa * bb)}");
    }

    [Fact]
    public void WithoutHardwareOrModelSupport_FallsBackToFp32_WithOneNotice()
    {
        using var net = new ConvNet(1, 8, 8, 8);
        var said = new List<string>();
        Assert.Equal(TrainingPrecision.Fp32, MixedPrecision.Apply(net, TrainingPrecision.Bf16Mixed, hardwareSupports: false, said.Add));
        Assert.Equal(ScalarType.Float32, net.TrainingComputeType);
        Assert.Equal("Precision bf16-mixed: this machine has no native bfloat16 (CPU flag avx512_bf16 or amx_bf16); training in fp32.", Assert.Single(said));

        // (a model without a bfloat16 path: BackbonePrecisionTests, ResNet-50)

        said.Clear();
        Assert.Equal(TrainingPrecision.Bf16Mixed, MixedPrecision.Apply(net, TrainingPrecision.Bf16Mixed, hardwareSupports: true, said.Add));
        Assert.Equal(ScalarType.BFloat16, net.TrainingComputeType);
        Assert.Empty(said);
    }

    [Fact]
    public void PrecisionOption_BindsToTrainerOptions_AndRejectsUnknownNames()
    {
        var table = TrainCommand.Options();
        Assert.Equal(TrainingPrecision.Fp32, TrainCommand.Settings(table, table.CreateCommand("train", "t").Parse(["--out", "x"])).Trainer.Precision);
        Assert.Equal(TrainingPrecision.Bf16Mixed, TrainCommand.Settings(table, table.CreateCommand("train", "t").Parse(["--precision", "bf16-mixed", "--out", "x"])).Trainer.Precision);
        Assert.Equal(["fp32", "bf16-mixed"], TrainingPrecisions.Names);
        Assert.Equal(TrainingPrecision.Bf16Mixed, TrainingPrecisions.Parse(TrainingPrecisions.Name(TrainingPrecision.Bf16Mixed)));
        Assert.Throws<ArgumentException>(() => TrainingPrecisions.Parse("fp16"));

        var (code, output, err) = CliRunner.Run("train", "--precision", "fp16", "--out", "never-created");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Contains("--precision", err);
        Assert.False(Directory.Exists("never-created"));
    }
}
