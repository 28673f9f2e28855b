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
    }
}
