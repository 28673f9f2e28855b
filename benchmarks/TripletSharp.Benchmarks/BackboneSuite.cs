using System.Diagnostics;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>
/// Suite <c>backbones</c>: embedding throughput (images per second, inference mode, no_grad) of every backbone and
/// the ConvNet in one run, on random colour images of one size (224×224, the backbones' default; 64×64 with --quick),
/// batches of 16, after one warm-up batch. Fresh random weights: throughput does not depend on their values.
/// </summary>
internal sealed class BackboneSuite
{
    private const int Batch = 16;

    private readonly BenchmarkOptions _options;
    private readonly Reporter _reporter;

    public BackboneSuite(BenchmarkOptions options, Reporter reporter)
    {
        _options = options;
        _reporter = reporter;
    }

    public void Run()
    {
        int size = _options.Quick ? 64 : 224;
        int batches = _options.Quick ? 3 : 8;
        _reporter.BeginTable($"backbones: embedding throughput, {Batch} colour images of {size}×{size} per batch, {batches} batches, 64-d head",
            new Column("model", "model", Width: 18, Left: true),
            new Column("params_m", "params M", "0.00"),
            new Column("ms_per_batch", "ms/batch", "0"),
            new Column("images_per_s", "images/s", "0.0"));
        foreach (var kind in BackboneNet.Kinds.Append(ModelKind.ConvNet))
        {
            string name = ModelKinds.Name(kind);
            Reporter.Progress($"backbones: {name}");
            manual_seed(1);
            var arch = new ModelArchitecture { Kind = kind, InputShape = [3, size, size], EmbeddingDim = 64 };
            using var module = arch.Create();
            module.eval();
            double parameters = module.parameters().Sum(p => p.numel()) / 1e6;
            using var x = rand(Batch, 3, size, size, generator: new Generator(2));
            using (no_grad())
            {
                using (var warm = module.forward(x)) { }
                var sw = Stopwatch.StartNew();
                for (int b = 0; b < batches; b++)
                    using (var e = module.forward(x)) { }
                double seconds = sw.Elapsed.TotalSeconds;
                _reporter.Write(new Row("backbones")
                    .Set("model", name).Set("size", size).Set("batch", Batch).Set("params_m", parameters)
                    .Set("ms_per_batch", 1000 * seconds / batches).Set("images_per_s", batches * Batch / seconds));
            }
        }
        _reporter.Note($"Forward passes only (what `triplet embed` does per batch, without reading images), {get_num_threads()} torch threads.");
    }
}
