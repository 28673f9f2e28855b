using TorchSharp;
using System.Diagnostics;
using TripletSharp.Data;
using TripletSharp.Distances;
using TripletSharp.Models;
using TripletSharp.Search;
using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>
/// Suite <c>search</c>: an <see cref="EmbeddingIndex"/> of N synthetic clustered 64-d unit vectors (cosine), exact and
/// HNSW side by side in one run: build time, size on disk, open time, peak memory, queries per second (k = 10) and,
/// for HNSW, recall@10 against the exact index over a sweep of expansion-search. Queries are gallery rows plus noise.
/// </summary>
internal sealed class SearchSuite
{
    public const int Dim = 64;
    public const int K = 10;

    private readonly BenchmarkOptions _options;
    private readonly Reporter _reporter;

    public SearchSuite(BenchmarkOptions options, Reporter reporter)
    {
        _options = options;
        _reporter = reporter;
    }

    public void Run()
    {
        int n = _options.SearchN ?? (_options.Quick ? 50_000 : 1_000_000);
        int nq = Math.Min(n, _options.Quick ? 500 : 2000);
        int classes = Math.Max(10, n / 1000);
        var root = Path.Combine(Path.GetTempPath(), $"tripletsharp-search-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        try
        {
            Tensor gallery, queries;
            long[] labels;
            string[] classNames;
            BaseDistance measure;
            string what;
            if (_options.SearchModel is { } fitModel && _options.SearchFitted)
            {
                (gallery, queries, labels, classNames, measure, what) = FittedGallery(fitModel, n, nq);
            }
            else if (_options.SearchModel is { } modelPath)
            {
                // A real gallery: the test split of the data embedded by a saved model; queries are training items.
                using var model = ModelBundle.Load(modelPath);
                var data = new DataOptions { Path = _options.SearchData ?? throw new ArgumentException("--search-model needs --search-data.") };
                using var split = DatasetLoader.Load(data);
                Reporter.Progress($"search: embedding {split.Test.Count} test items and {nq} training items of {data.Path}");
                gallery = model.Embed(split.Test);
                n = split.Test.Count;
                nq = Math.Min(nq, split.Train.Count);
                using var first = split.Train.Subset(Enumerable.Range(0, nq).ToArray());
                queries = model.Embed(first);
                labels = split.Test.Labels;
                classNames = split.Test.ClassNames.ToArray();
                measure = model.CreateDistance();
                what = $"{data.Path} test split embedded by {modelPath} ({gallery.shape[1]}-d, {measure.Name}), queries: its first {nq} training items";
            }
            else
            {
                Reporter.Progress($"search: generating {n} × {Dim} clustered vectors");
                var (x, synthLabels) = SyntheticData.ClusteredEmbeddings(n, Dim, classes, seed: 11);
                gallery = x;
                labels = synthLabels;
                var rng = new Random(12);
                var pick = Enumerable.Range(0, nq).Select(_ => (long)rng.Next(n)).ToArray();
                queries = (gallery.index_select(0, tensor(pick)) + 0.1 * randn(new long[] { nq, Dim }, generator: new Generator(13))).contiguous();
                classNames = Enumerable.Range(0, classes).Select(i => $"c{i}").ToArray();
                measure = new CosineDistance();
                what = $"N = {n}, D = {Dim} synthetic clustered, cosine, {nq} queries";
            }
            using var galleryScope = gallery;
            using var queryScope = queries;
            var ids = Enumerable.Range(0, n).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

            _reporter.BeginTable($"search: {what}, k = {K}",
                new Column("kind", "kind", Width: 5, Left: true),
                new Column("expansion_search", "ef", "0", Width: 4),
                new Column("build_s", "build s", "0.0"),
                new Column("build_peak_mib", "build MiB", "0"),
                new Column("size_mib", "disk MiB", "0.0"),
                new Column("open_ms", "open ms", "0"),
                new Column("qps", "queries/s", "0"),
                new Column("search_peak_mib", "search MiB", "0"),
                new Column("recall_at_10", "recall@10", "0.0000"));

            SearchHit[][]? truth = null;
            foreach (var kind in new[] { IndexKind.Exact, IndexKind.Hnsw })
            {
                var folder = Path.Combine(root, kind.ToString().ToLowerInvariant());
                var hnsw = Hnsw();
                double buildS = 0;
                long buildPeak = MemoryProbe.PeakExtraBytes(() =>
                {
                    var sw = Stopwatch.StartNew();
                    using var built = EmbeddingIndex.Build(gallery, labels, classNames, ids, measure, "benchmark", kind, hnsw);
                    buildS = sw.Elapsed.TotalSeconds;
                    built.Save(folder);
                });
                Reporter.Progress($"search: {kind} built in {buildS:0.0} s");
                double sizeMib = Directory.GetFiles(folder).Sum(f => new FileInfo(f).Length) / 1048576.0;
                var efs = kind == IndexKind.Exact ? new int?[] { null } : (_options.SearchEf ?? [16, 32, 64, 128, 256, 512]).Select(e => (int?)e).ToArray();
                foreach (var ef in efs)
                {
                    var sw = Stopwatch.StartNew();
                    using var index = EmbeddingIndex.Open(folder, new IndexOpenOptions { ExpansionSearch = ef });
                    double openMs = sw.Elapsed.TotalMilliseconds;
                    index.Search(queries.narrow(0, 0, Math.Min(nq, 20)), K);
                    SearchHit[][] hits = [];
                    double searchS = 0;
                    long searchPeak = MemoryProbe.PeakExtraBytes(() =>
                    {
                        var t = Stopwatch.StartNew();
                        hits = index.Search(queries, K);
                        searchS = t.Elapsed.TotalSeconds;
                    });
                    truth ??= hits;
                    double recall = Recall(truth, hits);
                    _reporter.Write(new Row("search")
                        .Set("n", n).Set("kind", kind.ToString().ToLowerInvariant() + (ef == Defaults.ExpansionSearch ? "*" : "")).Set("expansion_search", ef ?? (object)"-")
                        .Set("build_s", buildS).Set("build_peak_mib", buildPeak / 1048576.0).Set("size_mib", sizeMib)
                        .Set("open_ms", openMs).Set("qps", nq / searchS).Set("search_peak_mib", searchPeak / 1048576.0).Set("recall_at_10", recall));
                }
            }
            var h = Hnsw();
            _reporter.Note($"HNSW: connectivity {h.Connectivity}, expansion-add {h.ExpansionAdd}, {h.Scalar.ToString().ToLowerInvariant()}, built with {h.BuildThreads} threads; " +
                           $"* = the library's default expansion-search ({Defaults.ExpansionSearch}); opened as a memory-mapped view " +
                           "with sizes and SHA-256 of every file checked (open time includes hashing). Distances of HNSW candidates are re-measured exactly. " +
                           $"recall@10 = share of the exact index's 10 nearest found. Memory: {MemoryProbe.Method}.");
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// A gallery of <paramref name="n"/> vectors shaped like a trained model's embeddings: the model embeds the training
    /// split, each class's mean and covariance are fitted, and <paramref name="n"/> vectors are drawn from those
    /// class-conditional Gaussians (balanced over classes, L2-normalised when the model normalises). Queries are the
    /// model's embeddings of the first test items: real images, none of them in the gallery.
    /// </summary>
    private (Tensor Gallery, Tensor Queries, long[] Labels, string[] ClassNames, BaseDistance Measure, string What) FittedGallery(string modelPath, int n, int nq)
    {
        using var scope = NewDisposeScope();
        using var model = ModelBundle.Load(modelPath);
        var data = new DataOptions { Path = _options.SearchData ?? throw new ArgumentException("--search-fitted needs --search-data.") };
        using var split = DatasetLoader.Load(data);
        Reporter.Progress($"search: embedding {split.Train.Count} training items of {data.Path} to fit the class Gaussians");
        var train = model.Embed(split.Train).to_type(ScalarType.Float64);
        var trainLabels = tensor(split.Train.Labels);
        int classes = split.Train.ClassNames.Count;
        long d = train.shape[1];
        var g = new Generator(11);
        var labels = SyntheticData.BalancedLabels(n, classes, seed: 12);
        var gallery = zeros(new long[] { n, d }, ScalarType.Float64);
        for (int c = 0; c < classes; c++)
        {
            var rows = train.index_select(0, trainLabels.eq(c).nonzero().squeeze(1));
            var mean = rows.mean(new long[] { 0 });
            var centred = rows - mean;
            // Covariance plus a tiny ridge so the Cholesky factor exists for rank-deficient classes.
            var cov = centred.t().matmul(centred).div((rows.shape[0] - 1.0).ToScalar()) + eye(d, dtype: ScalarType.Float64).mul(1e-9.ToScalar());
            var chol = linalg.cholesky(cov);
            var at = labels.eq(c).nonzero().squeeze(1);
            var z = randn(new long[] { at.shape[0], d }, ScalarType.Float64, generator: g);
            gallery.index_copy_(0, at, z.matmul(chol.t()) + mean);
        }
        var g32 = gallery.to_type(ScalarType.Float32);
        if (model.Architecture.Normalize) g32 = nn.functional.normalize(g32, p: 2, dim: 1);
        nq = Math.Min(nq, split.Test.Count);
        using var first = split.Test.Subset(Enumerable.Range(0, nq).ToArray());
        var queries = model.Embed(first);
        var measure = model.CreateDistance();
        string what = $"N = {n} vectors drawn from the class Gaussians of {modelPath}'s embeddings of {data.Path}'s training split " +
                      $"({d}-d, {measure.Name}); queries: its first {nq} test items";
        return (g32.contiguous().MoveToOuterDisposeScope(), queries.MoveToOuterDisposeScope(), labels.data<long>().ToArray(),
                split.Train.ClassNames.ToArray(), measure, what);
    }

    private static readonly HnswOptions Defaults = new();

    /// <summary>The library's default HNSW settings, with the suite's connectivity and expansion-add when given, built on every core.</summary>
    private HnswOptions Hnsw() => new()
    {
        Connectivity = _options.SearchConnectivity ?? Defaults.Connectivity,
        ExpansionAdd = _options.SearchExpansionAdd ?? Defaults.ExpansionAdd,
        BuildThreads = Environment.ProcessorCount,
    };

    private static double Recall(SearchHit[][] truth, SearchHit[][] hits)
    {
        long found = 0, total = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            var t = truth[i].Select(h => h.Position).ToHashSet();
            found += hits[i].Count(h => t.Contains(h.Position));
            total += t.Count;
        }
        return (double)found / total;
    }
}
