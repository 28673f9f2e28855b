using TripletSharp.Data;
using TripletSharp.Export;
using TripletSharp.Models;
using TripletSharp.Onnx;
using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>
/// Suite <c>export</c>: embedding throughput of the same model on TorchSharp (<see cref="ModelBundle.Embed(Tensor, int)"/>)
/// and on ONNX Runtime (<see cref="OnnxEmbedder"/> over the model <see cref="OnnxExporter"/> wrote), side by side and
/// interleaved, with the same thread count, for the default ConvNet on 28×28 grey images and an MLP on 784 features,
/// at batch sizes 1, 64 and 1024. Both include the input standardisation and the L2 normalisation. The check column
/// compares the two embeddings of every item (max absolute difference ≤ 1e-5).
/// </summary>
internal sealed class ExportSuite
{
    public const double Tolerance = 1e-5;
    private static readonly int[] BatchSizes = [1, 64, 1024];

    private readonly BenchmarkOptions _options;
    private readonly Reporter _reporter;

    public ExportSuite(BenchmarkOptions options, Reporter reporter)
    {
        _options = options;
        _reporter = reporter;
    }

    public bool CheckFailed { get; private set; }

    public void Run()
    {
        int threads = _options.Threads ?? Environment.ProcessorCount;
        int items = _options.Quick ? 1024 : 8192;
        var plan = new TimingPlan(Warmup: 1, MinReps: 3, MaxReps: _options.Quick ? 3 : 10, BudgetSeconds: _options.Quick ? 5 : 30);
        _reporter.BeginTable($"export: embedding throughput, TorchSharp vs ONNX Runtime (opset {OnnxExporter.DefaultOpset}), {threads} threads, {items} items (batch 1: {items / 16})",
            new Column("model", "model", Width: 8, Left: true),
            new Column("batch", "batch", Width: 5),
            new Column("torch_items_per_s", "TorchSharp items/s", "0"),
            new Column("onnx_items_per_s", "ONNX Runtime items/s", "0"),
            new Column("onnx_vs_torch", "ONNX / Torch", "0.00"),
            new Column("max_abs_diff", "max |diff|", "0.0E+0"),
            new Column("onnx_file_kib", "ONNX KiB", "0"),
            new Column("check", "check", Width: 6, Left: true));

        using var dir = new TempFolder();
        Measure("ConvNet", CreateConvNet(), items, threads, plan, dir.Path);
        Measure("MLP", CreateMlp(), items, threads, plan, dir.Path);
    }

    private static ModelBundle CreateConvNet()
    {
        var module = DefaultModel.Create(1, 28, 28, seed: 5);
        var arch = new ModelArchitecture { Kind = ModelKind.ConvNet, InputShape = [1, 28, 28], EmbeddingDim = DefaultModel.EmbeddingDim };
        var input = new ModelInput { Kind = DataKind.Images, ItemShape = [1, 28, 28], Normalization = new InputNormalization([0.286f], [0.353f]) };
        return new ModelBundle(module, arch, input, ["a", "b"]);
    }

    private static ModelBundle CreateMlp()
    {
        random.manual_seed(6);
        var arch = new ModelArchitecture { Kind = ModelKind.Mlp, InputShape = [784], EmbeddingDim = DefaultModel.EmbeddingDim, HiddenSizes = [256, 128] };
        var input = new ModelInput
        {
            Kind = DataKind.Vectors,
            ItemShape = [784],
            Normalization = new InputNormalization(Enumerable.Repeat(0.286f, 784).ToArray(), Enumerable.Repeat(0.353f, 784).ToArray()),
        };
        return new ModelBundle(arch.Create(), arch, input, ["a", "b"]);
    }

    private void Measure(string name, ModelBundle bundle, int items, int threads, TimingPlan plan, string folder)
    {
        using var _ = bundle;
        var path = Path.Combine(folder, $"{name}.onnx");
        OnnxExporter.Export(bundle, path);
        long fileBytes = new FileInfo(path).Length;
        using var embedder = new OnnxEmbedder(path, new OnnxEmbedderOptions { IntraOpThreads = threads });
        random.manual_seed(17);
        long[] shape = [items, .. bundle.Input.ItemShape];
        using var x = rand(shape);
        var flat = x.contiguous().data<float>().ToArray();

        // Check (and warm-up): the whole set through both.
        double maxDiff;
        using (var reference = bundle.Embed(x, 1024))
        {
            var r = reference.contiguous().data<float>().ToArray();
            var o = embedder.Embed(flat, 1024);
            maxDiff = 0;
            for (int i = 0; i < r.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs((double)r[i] - o[i]));
        }
        bool ok = maxDiff <= Tolerance;
        CheckFailed |= !ok;

        foreach (int batch in BatchSizes)
        {
            int n = batch == 1 ? items / 16 : items;
            Reporter.Progress($"export: {name}, batch {batch}, {n} items");
            using var xs = x.narrow(0, 0, n);
            var destination = new float[n * bundle.EmbeddingDim];
            var torchVariant = new Variant("torch", () => bundle.Embed(xs, batch).Dispose());
            var onnxVariant = new Variant("onnx", () => embedder.Embed(flat.AsSpan(0, n * embedder.ItemLength), destination, batch));
            Interleaved.Run([torchVariant, onnxVariant], plan);
            double torchRate = n / (torchVariant.MedianMs / 1000.0);
            double onnxRate = n / (onnxVariant.MedianMs / 1000.0);
            _reporter.Write(new Row("export").Set("model", name).Set("batch", batch).Set("items", n).Set("threads", threads)
                .Set("torch_items_per_s", torchRate).Set("onnx_items_per_s", onnxRate)
                .Set("onnx_vs_torch", Stats.Ratio(onnxRate, torchRate)).Set("max_abs_diff", maxDiff)
                .Set("onnx_file_kib", fileBytes / 1024.0)
                .Set("status", torchVariant.Failure ?? onnxVariant.Failure ?? "ok")
                .Set("check", ok ? "ok" : "FAILED"));
        }
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ts-export-bench-{Guid.NewGuid():N}");

        public TempFolder() => Directory.CreateDirectory(Path);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
