using System.Diagnostics;
using TripletSharp.Models;
using TripletSharp.Training;
using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>
/// Suite <c>backbones</c>: embedding throughput (images per second, inference mode, no_grad) of every model kind of
/// <c>--model</c> in one run, each at its default input: the six TorchVision backbones on 3×224×224 colour images
/// (their ImageNet size), the ConvNet and the MLP (default hidden sizes) on 1×28×28 grey images (Fashion-MNIST, the
/// default data). Batches of 16 random images, one warm-up batch, then timed batches until <see cref="MaxBatches"/>
/// or <see cref="Budget"/> seconds per model (at least <see cref="MinBatches"/>), so the whole suite is bounded in time
/// on a slow or busy machine. With --quick the backbones run at 64×64 and the budget is shorter. Fresh random weights:
/// throughput does not depend on their values.
/// </summary>
internal sealed class BackboneSuite
{
    private const int Batch = 16;
    private const int MinBatches = 2;
    private const int MaxBatches = 20;

    private readonly BenchmarkOptions _options;
    private readonly Reporter _reporter;

    public BackboneSuite(BenchmarkOptions options, Reporter reporter)
    {
        _options = options;
        _reporter = reporter;
    }

    /// <summary>Seconds of timed batches per model (the warm-up batch and at least <see cref="MinBatches"/> may exceed it).</summary>
    private double Budget => _options.Quick ? 5 : 20;

    public void Run()
    {
        int backboneSize = _options.Quick ? 64 : 224;
        _reporter.BeginTable($"backbones: embedding throughput at each model's default input, {Batch} images per batch, 64-d head, ≤ {MaxBatches} batches or {Budget:0} s each",
            new Column("model", "model", Width: 18, Left: true),
            new Column("input", "input", Width: 10, Left: true),
            new Column("params_m", "params M", "0.00"),
            new Column("batches", "batches", "0"),
            new Column("ms_per_batch", "ms/batch", "0"),
            new Column("images_per_s", "images/s", "0.0"));
        var kinds = BackboneNet.Kinds.Select(k => (k, new long[] { 3, backboneSize, backboneSize }))
            .Append((ModelKind.ConvNet, new long[] { 1, 28, 28 }))
            .Append((ModelKind.Mlp, new long[] { 1, 28, 28 }));
        foreach (var (kind, shape) in kinds)
        {
            string name = ModelKinds.Name(kind);
            Reporter.Progress($"backbones: {name}");
            manual_seed(1);
            var arch = new ModelArchitecture { Kind = kind, InputShape = shape, EmbeddingDim = 64, HiddenSizes = new TrainerOptions().HiddenSizes };
            using var module = arch.Create();
            module.eval();
            double parameters = module.parameters().Sum(p => p.numel()) / 1e6;
            using var x = rand([Batch, .. shape], generator: new Generator(2));
            using (no_grad())
            {
                using (var warm = module.forward(x)) { }
                int batches = 0;
                var sw = Stopwatch.StartNew();
                while (batches < MinBatches || (batches < MaxBatches && sw.Elapsed.TotalSeconds < Budget))
                {
                    using (var e = module.forward(x)) { }
                    batches++;
                }
                double seconds = sw.Elapsed.TotalSeconds;
                _reporter.Write(new Row("backbones")
                    .Set("model", name).Set("input", string.Join("×", shape)).Set("batch", Batch).Set("params_m", parameters)
                    .Set("batches", batches).Set("ms_per_batch", 1000 * seconds / batches).Set("images_per_s", batches * Batch / seconds));
            }
        }
        _reporter.Note($"Forward passes only (what `triplet embed` does per batch, without reading images), {get_num_threads()} torch threads.");
        RunTrainingPrecision();
    }

    /// <summary>Training batch of the step comparison: P×K = 8×4, the fine-tuning figure's batch (README "Pretrained backbones").</summary>
    private const int TrainBatch = 32;

    /// <summary>
    /// Table <c>backbone_train</c>: one training step (forward, <c>output.sum()</c>, backward, Adam lr 1e-3) of
    /// ResNet-18 at 3×64×64 (the fine-tuning figure's input), the ConvNet and the MLP at 1×28×28, in fp32 and in
    /// bf16-mixed as <c>triplet train --precision bf16-mixed</c> runs it (two copies of the same initial model, each
    /// with its own Adam), interleaved A B B A; images/s from the medians and their ratio (> 1: bf16-mixed faster).
    /// Evaluation and <c>triplet embed</c> stay float32, so the forward-only table above is the same in both modes.
    /// </summary>
    public void RunTrainingPrecision()
    {
        int rounds = _options.Quick ? 4 : 12;
        bool native = MixedPrecision.SupportsBf16(CPU);
        _reporter.BeginTable($"backbones: training step fp32 vs bf16-mixed, batch {TrainBatch}, forward + output.sum() + backward + Adam, interleaved A B B A, {rounds} rounds",
            new Column("model", "model", Width: 10, Left: true),
            new Column("input", "input", Width: 10, Left: true),
            new Column("fp32_ms", "fp32 ms", "0.0"),
            new Column("bf16_ms", "bf16 ms", "0.0"),
            new Column("fp32_images_per_s", "fp32 img/s", "0.0"),
            new Column("bf16_images_per_s", "bf16 img/s", "0.0"),
            new Column("speedup", "bf16 speed-up", "0.00"),
            new Column("precision", "bf16 mode in effect", Width: 12, Left: true));
        var kinds = new (ModelKind Kind, long[] Shape)[] { (ModelKind.ResNet18, [3, 64, 64]), (ModelKind.ConvNet, [1, 28, 28]), (ModelKind.Mlp, [1, 28, 28]) };
        foreach (var (kind, shape) in kinds)
        {
            string name = ModelKinds.Name(kind);
            Reporter.Progress($"backbones: {name} training step, fp32 vs bf16-mixed");
            var arch = new ModelArchitecture { Kind = kind, InputShape = shape, EmbeddingDim = 64, HiddenSizes = new TrainerOptions().HiddenSizes };
            manual_seed(1);
            using var fp32 = arch.Create();
            manual_seed(1);
            using var bf16 = arch.Create();
            var effect = MixedPrecision.Apply(bf16, TrainingPrecision.Bf16Mixed, native, Reporter.Progress);
            fp32.train();
            bf16.train();
            using var fp32Adam = optim.Adam(fp32.parameters(), lr: 1e-3);
            using var bf16Adam = optim.Adam(bf16.parameters(), lr: 1e-3);
            using var x = rand([TrainBatch, .. shape], generator: new Generator(2));
            var models = new[] { (fp32, fp32Adam), (bf16, bf16Adam) };
            var ms = new[] { new List<double>(), new List<double>() };
            for (int r = 0; r < rounds + 1; r++)
            {
                foreach (int a in r % 2 == 0 ? new[] { 0, 1 } : new[] { 1, 0 })
                {
                    using var scope = NewDisposeScope();
                    var (model, adam) = models[a];
                    var sw = Stopwatch.StartNew();
                    var loss = model.forward(x).sum();
                    adam.zero_grad();
                    loss.backward();
                    adam.step();
                    if (r > 0) ms[a].Add(sw.Elapsed.TotalMilliseconds);
                }
            }
            double f = Stats.Median(ms[0]), b = Stats.Median(ms[1]);
            _reporter.Write(new Row("backbone_train").Set("model", name).Set("input", string.Join("×", shape)).Set("batch", TrainBatch)
                .Set("fp32_ms", f).Set("bf16_ms", b).Set("fp32_images_per_s", Stats.Ratio(TrainBatch * 1000.0, f))
                .Set("bf16_images_per_s", Stats.Ratio(TrainBatch * 1000.0, b)).Set("speedup", Stats.Ratio(f, b))
                .Set("precision", TrainingPrecisions.Name(effect)).Set("rounds", rounds).Set("load_avg_1m", MachineInfo.LoadAverage()));
        }
        _reporter.Note($"One warm-up round, then medians; {get_num_threads()} torch threads. bf16 speed-up = fp32 ms / bf16 ms. " +
                       "bf16 mode in effect = fp32 where the model has no bfloat16 path or the CPU no native bfloat16.");
    }
}
