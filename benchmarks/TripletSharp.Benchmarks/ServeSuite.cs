using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using TripletSharp.Data;
using TripletSharp.Distances;
using TripletSharp.Export;
using TripletSharp.Models;
using TripletSharp.Search;
using TripletSharp.Serving;
using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>
/// Suite <c>serve</c>: the HTTP service (in this process, on loopback) under a closed-loop .NET client. A seeded default
/// ConvNet (64-d, cosine) and an exact index of N embeddings of random 1×28×28 images. Table 1: N = 1, 8, 32 connections
/// for a fixed time, a mix of search (k = 10), match and embed of one raw item each: requests/s, p50/p95/p99 latency,
/// errors, process RSS at the start and end of the run. Table 2, side by side: embed throughput at 32 connections with
/// dynamic batching vs <c>--max-batch 1</c>; served search (embedding queries) vs in-process
/// <see cref="EmbeddingIndex.Search"/> from as many threads as cores; ONNX Runtime vs TorchSharp behind the service.
/// </summary>
internal sealed class ServeSuite
{
    private const int K = 10;
    private readonly BenchmarkOptions _options;
    private readonly Reporter _reporter;

    public ServeSuite(BenchmarkOptions options, Reporter reporter)
    {
        _options = options;
        _reporter = reporter;
    }

    private sealed record Load(double Seconds, Dictionary<string, List<double>> LatenciesMs, int Errors, long RssStart, long RssEnd)
    {
        public int Requests => LatenciesMs.Values.Sum(l => l.Count);
    }

    public void Run()
    {
        int n = _options.ServeN ?? (_options.Quick ? 5_000 : 20_000);
        double seconds = _options.ServeSeconds ?? (_options.Quick ? 3 : 10);
        var root = Path.Combine(Path.GetTempPath(), $"tripletsharp-serve-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        try
        {
            var (modelFolder, indexFolder, onnxPath, items, embeddings) = Prepare(root, n);
            var bodies = new Bodies(items, embeddings);

            _reporter.BeginTable($"serve: {DefaultModel.Description}, exact cosine index of {n} items, mixed search (k = {K}) / match / embed of one 1×28×28 item, {seconds:0.#} s per row, in-process loopback",
                new Column("connections", "conns", "0", Width: 5),
                new Column("endpoint", "endpoint", Width: 8, Left: true),
                new Column("rps", "req/s", "0"),
                new Column("p50_ms", "p50 ms", "0.0"),
                new Column("p95_ms", "p95 ms", "0.0"),
                new Column("p99_ms", "p99 ms", "0.0"),
                new Column("errors", "errors", "0"),
                new Column("rss_start_mib", "RSS start MiB", "0"),
                new Column("rss_end_mib", "RSS end MiB", "0"));
            using (var torchEmbedder = TorchEmbedder.Load(modelFolder))
            {
                var svc = Start(torchEmbedder, indexFolder, 64);
                try
                {
                    Drive(svc, bodies, 4, 1, ["search", "match", "embed"]); // warm-up
                    foreach (int c in new[] { 1, 8, 32 })
                    {
                        Reporter.Progress($"serve: {c} connections, mixed, {seconds:0.#} s");
                        var load = Drive(svc, bodies, c, seconds, ["search", "match", "embed"]);
                        foreach (var ep in new[] { "search", "match", "embed", "all" })
                        {
                            var lat = ep == "all" ? load.LatenciesMs.Values.SelectMany(l => l).ToList() : load.LatenciesMs[ep];
                            _reporter.Write(new Row("serve").Set("connections", c).Set("endpoint", ep)
                                .Set("rps", lat.Count / load.Seconds)
                                .Set("p50_ms", Percentile(lat, 0.50)).Set("p95_ms", Percentile(lat, 0.95)).Set("p99_ms", Percentile(lat, 0.99))
                                .Set("errors", ep == "all" ? load.Errors : null)
                                .Set("rss_start_mib", ep == "all" ? Stats.Mib(load.RssStart) : null)
                                .Set("rss_end_mib", ep == "all" ? Stats.Mib(load.RssEnd) : null));
                        }
                    }
                }
                finally { svc.DisposeAsync().AsTask().GetAwaiter().GetResult(); }

                _reporter.BeginTable($"serve: side by side at 32 connections; batching: medians of 6 alternating rounds of {Math.Max(1, 2 * seconds / 6):0.#} s slices; the rest: means of two rounds of {seconds:0.#} s, A B B A",
                    new Column("what", "what", Width: 56, Left: true),
                    new Column("per_s", "per s", "0"),
                    new Column("errors", "errors", "0"),
                    new Column("ratio", "ratio", "0.00"),
                    new Column("target", "target", Width: 6, Left: true));

                // Each pair runs in alternating order and reports a central value, so that a burst of load from the
                // other processes on the machine does not land on one side only. Batching: both services stay up and
                // six rounds of short slices alternate (medians, and the spread of the per-round ratios); the other
                // pairs: two rounds, A B B A, means.
                Reporter.Progress("serve: embed, dynamic batching vs --max-batch 1");
                var paired = PairedEmbed(torchEmbedder, indexFolder, bodies, seconds);
                _reporter.Write(new Row("serve_side").Set("what", "embed items/s, --max-batch 1").Set("per_s", paired.Single).Set("errors", paired.Errors));
                _reporter.Write(new Row("serve_side").Set("what", "embed items/s, --max-batch 64 --max-wait-ms 5").Set("per_s", paired.Batched)
                    .Set("ratio", Stats.Median(paired.Ratios)).Set("target", ">= 3"));
                _reporter.Write(new Row("serve_side").Set("what", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"  per-round ratios: {string.Join(" ", paired.Ratios.Select(r => r.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))}")));

                // The forward pass alone (no HTTP), to tell what batching can win from what the HTTP/JSON path costs.
                var (fwd64, fwd1) = Alternate(() => (ForwardRate(torchEmbedder, items, 64, seconds), 0), () => (ForwardRate(torchEmbedder, items, 1, seconds), 0));
                _reporter.Write(new Row("serve_side").Set("what", "forward only, in-process, items/s, batch 1").Set("per_s", fwd1.Rate));
                _reporter.Write(new Row("serve_side").Set("what", "forward only, in-process, items/s, batch 64").Set("per_s", fwd64.Rate)
                    .Set("ratio", Stats.Ratio(fwd64.Rate, fwd1.Rate)));

                Reporter.Progress("serve: served search vs in-process EmbeddingIndex.Search");
                var (served, inProcess) = Alternate(
                    () =>
                    {
                        var svc2 = Start(torchEmbedder, indexFolder, 64);
                        try
                        {
                            var load = Drive(svc2, bodies, 32, seconds, ["search-embedding"]);
                            return (load.Requests / load.Seconds, load.Errors);
                        }
                        finally { svc2.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
                    },
                    () => (InProcessSearch(indexFolder, embeddings, seconds), 0));
                _reporter.Write(new Row("serve_side").Set("what", $"search queries/s, in-process ({Environment.ProcessorCount} threads)").Set("per_s", inProcess.Rate));
                _reporter.Write(new Row("serve_side").Set("what", "search queries/s, served (embedding queries)").Set("per_s", served.Rate).Set("errors", served.Errors)
                    .Set("ratio", Stats.Ratio(served.Rate, inProcess.Rate)).Set("target", ">= 0.5"));

                Reporter.Progress("serve: ONNX Runtime vs TorchSharp behind the service");
                using var onnx = new OnnxModelEmbedder(onnxPath, new TripletSharp.Onnx.OnnxEmbedderOptions { IntraOpThreads = _options.Threads ?? Environment.ProcessorCount });
                var (onnxRate, torchRate) = Alternate(
                    () => EmbedThroughput(onnx, indexFolder, 64, bodies, seconds),
                    () => EmbedThroughput(torchEmbedder, indexFolder, 64, bodies, seconds));
                _reporter.Write(new Row("serve_side").Set("what", "embed items/s, TorchSharp (--max-batch 64)").Set("per_s", torchRate.Rate).Set("errors", torchRate.Errors));
                _reporter.Write(new Row("serve_side").Set("what", "embed items/s, ONNX Runtime (--onnx, --max-batch 64)").Set("per_s", onnxRate.Rate).Set("errors", onnxRate.Errors)
                    .Set("ratio", Stats.Ratio(onnxRate.Rate, torchRate.Rate)));

                Reporter.Progress("serve: per-request phases, one at a time");
                Phases(torchEmbedder, indexFolder, bodies, items, seconds);
            }
            _reporter.Note("One process holds the service and the client (loopback, HTTP/1.1, one HttpClient, keep-alive); RSS is that process's. Request logging is off. The machine is shared: figures are indicative.");
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private (string Model, string Index, string Onnx, float[][] Items, float[][] Embeddings) Prepare(string root, int n)
    {
        Reporter.Progress($"serve: model and index of {n} items");
        var modelFolder = Path.Combine(root, "model");
        {
            manual_seed(5);
            var arch = new ModelArchitecture { Kind = ModelKind.ConvNet, InputShape = [1, 28, 28], EmbeddingDim = DefaultModel.EmbeddingDim, Normalize = true };
            var input = new ModelInput { Kind = DataKind.Images, ItemShape = [1, 28, 28] };
            var bundle = new ModelBundle(arch.Create(), arch, input, Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray(),
                new System.Text.Json.Nodes.JsonObject { ["options"] = new System.Text.Json.Nodes.JsonObject { ["distance"] = "cosine" } });
            bundle.Save(modelFolder);
            bundle.Dispose();
        }
        using var model = ModelBundle.Load(modelFolder);
        var fingerprint = ModelFingerprint.Compute(modelFolder);
        var gen = new Generator(17);
        float[][] items, emb;
        var indexFolder = Path.Combine(root, "index");
        using (var scope = NewDisposeScope())
        {
            var x = rand(new long[] { n, 1, 28, 28 }, generator: gen);
            var e = model.Embed(x);
            var labels = Enumerable.Range(0, n).Select(i => (long)(i % 10)).ToArray();
            using var index = EmbeddingIndex.Build(e, labels, model.ClassNames, Enumerable.Range(0, n).Select(i => $"item/{i}").ToArray(), new CosineDistance(), fingerprint);
            index.Save(indexFolder);
            var xs = x.narrow(0, 0, 256).contiguous().data<float>().ToArray();
            items = Enumerable.Range(0, 256).Select(i => xs.AsSpan(i * 784, 784).ToArray()).ToArray();
            var es = e.narrow(0, 0, 256).contiguous().data<float>().ToArray();
            emb = Enumerable.Range(0, 256).Select(i => es.AsSpan(i * 64, 64).ToArray()).ToArray();
        }
        var onnxPath = Path.Combine(root, "model.onnx");
        OnnxExporter.Export(model, onnxPath);
        return (modelFolder, indexFolder, onnxPath, items, emb);
    }

    private static EmbeddingService Start(IEmbedder embedder, string index, int maxBatch) =>
        EmbeddingService.StartAsync(embedder, new ServeOptions
        {
            IndexPath = index,
            Urls = "http://127.0.0.1:0",
            MaxBatch = maxBatch,
            MaxWaitMs = 5,
            MaxQueue = 4096,
            ReadOnly = true,
            Threshold = 0.1,
        }).GetAwaiter().GetResult();

    /// <summary>Two rounds, A then B, then B then A; the mean rate of each and the sum of their errors.</summary>
    private static ((double Rate, int Errors) A, (double Rate, int Errors) B) Alternate(Func<(double, int)> a, Func<(double, int)> b)
    {
        var a1 = a();
        var b1 = b();
        var b2 = b();
        var a2 = a();
        return (((a1.Item1 + a2.Item1) / 2, a1.Item2 + a2.Item2), ((b1.Item1 + b2.Item1) / 2, b1.Item2 + b2.Item2));
    }

    /// <summary>
    /// Embed at 32 connections on two services that stay up, dynamic batching (<c>--max-batch 64</c>) and
    /// <c>--max-batch 1</c>, in six rounds of alternating slices (A B, B A, …): median items/s of each, the per-round
    /// ratios, and the errors of both. Same server code; only the batch limit differs.
    /// </summary>
    private static (double Batched, double Single, int Errors, List<double> Ratios) PairedEmbed(IEmbedder embedder, string index, Bodies bodies, double seconds)
    {
        const int Rounds = 6;
        double slice = Math.Max(1, 2 * seconds / Rounds);
        var batchedSvc = Start(embedder, index, 64);
        var singleSvc = Start(embedder, index, 1);
        try
        {
            Drive(batchedSvc, bodies, 8, 1, ["embed"]); // warm-up
            Drive(singleSvc, bodies, 8, 1, ["embed"]);
            var batched = new List<double>();
            var single = new List<double>();
            var ratios = new List<double>();
            int errors = 0;
            for (int r = 0; r < Rounds; r++)
            {
                Load b, s;
                if (r % 2 == 0)
                {
                    b = Drive(batchedSvc, bodies, 32, slice, ["embed"]);
                    s = Drive(singleSvc, bodies, 32, slice, ["embed"]);
                }
                else
                {
                    s = Drive(singleSvc, bodies, 32, slice, ["embed"]);
                    b = Drive(batchedSvc, bodies, 32, slice, ["embed"]);
                }
                batched.Add(b.Requests / b.Seconds);
                single.Add(s.Requests / s.Seconds);
                ratios.Add(batched[^1] / single[^1]);
                errors += b.Errors + s.Errors;
            }
            return (Stats.Median(batched), Stats.Median(single), errors, ratios);
        }
        finally
        {
            batchedSvc.DisposeAsync().AsTask().GetAwaiter().GetResult();
            singleSvc.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static (double Rate, int Errors) EmbedThroughput(IEmbedder embedder, string index, int maxBatch, Bodies bodies, double seconds)
    {
        var svc = Start(embedder, index, maxBatch);
        try
        {
            Drive(svc, bodies, 8, 1, ["embed"]); // warm-up
            var load = Drive(svc, bodies, 32, seconds, ["embed"]);
            return (load.Requests / load.Seconds, load.Errors);
        }
        finally { svc.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    /// <summary>
    /// Where the time of one embed request goes, each phase timed alone on one thread (microseconds per item): the HTTP
    /// round trip of an empty request (client and server), reading and checking the JSON body, the batcher's queue and
    /// wake-up around a model that does nothing, the forward pass at batch 1 and per item at batch 64, writing the JSON
    /// answer; then a whole POST /v1/embed at one connection. When the CPUs are the limit (32 connections on few cores),
    /// the batching ratio cannot exceed (sum at batch 1) / (sum with the forward pass per item at batch 64).
    /// </summary>
    private void Phases(IEmbedder embedder, string indexFolder, Bodies bodies, float[][] items, double seconds)
    {
        double budget = Math.Max(0.5, seconds / 4);
        _reporter.BeginTable($"serve: where the time of one embed request goes, each phase alone on one thread, {budget:0.#} s each (forward: medians of 5 alternating slices)",
            new Column("phase", "phase", Width: 66, Left: true),
            new Column("us", "us per item", "0.0"),
            new Column("share", "% of a batch-1 request", "0"));
        var svc = Start(embedder, indexFolder, 1);
        double http, whole;
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(svc.Addresses[0]) };
            http = PerCall(budget, () => client.GetAsync("/healthz").GetAwaiter().GetResult().Dispose());
            var embedBody = bodies.For("embed", 0).Body;
            whole = PerCall(budget, () =>
            {
                var c = new ByteArrayContent(embedBody);
                c.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var r = client.PostAsync("/v1/embed", c).GetAwaiter().GetResult();
                r.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
            });
        }
        finally { svc.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        var body = bodies.For("embed", 0).Body;
        double read = PerCall(budget, () =>
        {
            var req = JsonSerializer.Deserialize<TripletSharp.Serving.Contracts.EmbedRequest>(body, RequestReader.Json)!;
            RequestReader.CheckRow(req.Items![0], embedder.ItemLength, "items[0]", "an item");
        });
        double queue;
        // As --max-batch 1 runs it: a lone request never waits for company (at --max-batch 64 it would wait up to
        // --max-wait-ms for more, which is idle time, not CPU).
        using (var batcher = new EmbeddingBatcher(new NoModel(embedder.ItemLength, embedder.EmbeddingDim), 1, TimeSpan.Zero, 4096))
        {
            var one = new float[embedder.ItemLength];
            queue = PerCall(budget, () => batcher.EmbedAsync(one, 1).GetAwaiter().GetResult());
        }
        // Batch 1 and batch 64 alternate in five short slices each (medians), so that a burst of load from other
        // processes does not land on one side only.
        var r1 = new List<double>();
        var r64 = new List<double>();
        for (int round = 0; round < 5; round++)
        {
            r1.Add(1e6 / ForwardRate(embedder, items, 1, 2 * budget / 5));
            r64.Add(1e6 / ForwardRate(embedder, items, 64, 2 * budget / 5));
        }
        double f1 = Stats.Median(r1), f64 = Stats.Median(r64);
        var answer = new TripletSharp.Serving.Contracts.EmbedResponse(1, embedder.EmbeddingDim, [new float[embedder.EmbeddingDim]]);
        double write = PerCall(budget, () => JsonSerializer.SerializeToUtf8Bytes(answer, RequestReader.Json));
        double sum1 = http + read + queue + f1 + write, sum64 = http + read + queue + f64 + write;
        void Add(string phase, double us, bool share = true) =>
            _reporter.Write(new Row("serve_phase").Set("phase", phase).Set("us", us).Set("share", share ? 100 * us / sum1 : null));
        Add("HTTP round trip of an empty request (GET /healthz)", http);
        Add("read + check the JSON body (784 numbers)", read);
        Add("batcher queue + wake-up (a model that does nothing, --max-batch 1)", queue);
        Add("forward pass, batch 1", f1);
        Add("forward pass, batch 64, per item", f64, share: false);
        Add("write the JSON answer (64 numbers)", write);
        Add("sum of the phases, batch 1", sum1);
        Add("sum of the phases, forward at batch 64", sum64, share: false);
        Add("measured: POST /v1/embed, 1 connection, --max-batch 1", whole, share: false);
        _reporter.Write(new Row("serve_phase").Set("phase", "ceiling of the batching ratio when CPU-bound (sums)").Set("us", sum1 / sum64));
    }

    /// <summary>Microseconds per call of <paramref name="call"/>, run for <paramref name="seconds"/> after a few warm-up calls.</summary>
    private static double PerCall(double seconds, Action call)
    {
        for (int i = 0; i < 20; i++) call();
        long n = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            call();
            n++;
        }
        return clock.Elapsed.TotalMilliseconds * 1000 / n;
    }

    /// <summary>An embedder that returns zeros at once: the batcher's own cost.</summary>
    private sealed class NoModel(int itemLength, int dim) : IEmbedder
    {
        public string Runtime => "none";

        public string Source => "none";

        public string? Architecture => null;

        public string InputKind => "vectors";

        public IReadOnlyList<long> ItemShape => [itemLength];

        public int ItemLength => itemLength;

        public int EmbeddingDim => dim;

        public string MeasureName => "cosine";

        public string? Fingerprint => null;

        public void Embed(ReadOnlySpan<float> items, int count, Span<float> destination) => destination[..(count * dim)].Clear();

        public void Dispose()
        {
        }
    }

    private static double ForwardRate(IEmbedder embedder, float[][] items, int batch, double seconds)
    {
        var input = new float[batch * embedder.ItemLength];
        for (int i = 0; i < batch; i++) items[i % items.Length].CopyTo(input, i * embedder.ItemLength);
        var output = new float[batch * embedder.EmbeddingDim];
        embedder.Embed(input, batch, output);
        long done = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds / 2)
        {
            embedder.Embed(input, batch, output);
            done += batch;
        }
        return done / clock.Elapsed.TotalSeconds;
    }

    private static double InProcessSearch(string indexFolder, float[][] queries, double seconds)
    {
        using var index = EmbeddingIndex.Open(indexFolder);
        long count = 0;
        var until = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, Environment.ProcessorCount).Select(t => new Thread(() =>
        {
            int i = t;
            while (until.Elapsed.TotalSeconds < seconds)
            {
                using var scope = NewDisposeScope();
                index.Search(tensor(queries[i++ % queries.Length], new long[] { 1, queries[0].Length }), K);
                Interlocked.Increment(ref count);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return count / until.Elapsed.TotalSeconds;
    }

    /// <summary>Closed loop: <paramref name="connections"/> workers, each sending its next request when the last is answered, for <paramref name="seconds"/>.</summary>
    private static Load Drive(EmbeddingService svc, Bodies bodies, int connections, double seconds, string[] mix)
    {
        MemoryProbe.Settle();
        long rssStart = MemoryProbe.CurrentRss();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(svc.Addresses[0]), Timeout = TimeSpan.FromSeconds(30) };
        var lat = mix.Select(m => m.StartsWith("search", StringComparison.Ordinal) ? "search" : m).Distinct().ToDictionary(m => m, _ => new List<double>());
        int errors = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, connections).Select(c => Task.Run(async () =>
        {
            var mine = lat.Keys.ToDictionary(k => k, _ => new List<double>());
            int myErrors = 0;
            for (int i = c; clock.Elapsed.TotalSeconds < seconds; i++)
            {
                var kind = mix[i % mix.Length];
                var (path, body) = bodies.For(kind, i);
                var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                long t0 = Stopwatch.GetTimestamp();
                try
                {
                    using var r = await http.PostAsync(path, content);
                    await r.Content.ReadAsByteArrayAsync();
                    if (!r.IsSuccessStatusCode) myErrors++;
                }
                catch (HttpRequestException) { myErrors++; }
                mine[kind.StartsWith("search", StringComparison.Ordinal) ? "search" : kind].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            lock (lat)
            {
                foreach (var (k, v) in mine) lat[k].AddRange(v);
                errors += myErrors;
            }
        })).ToArray();
        Task.WaitAll(workers);
        double elapsed = clock.Elapsed.TotalSeconds;
        return new Load(elapsed, lat, errors, rssStart, MemoryProbe.CurrentRss());
    }

    private static double Percentile(List<double> xs, double p)
    {
        if (xs.Count == 0) return double.NaN;
        var s = xs.OrderBy(x => x).ToArray();
        return s[Math.Min(s.Length - 1, (int)Math.Ceiling(p * s.Length) - 1)];
    }

    /// <summary>Request bodies made once, so that the client spends its time sending, not serialising.</summary>
    private sealed class Bodies
    {
        private readonly byte[][] _search, _match, _embed, _searchEmbedding;

        public Bodies(float[][] items, float[][] embeddings)
        {
            static byte[] J(object o) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(o));
            _search = items.Select(x => J(new { item = x, k = K })).ToArray();
            _match = items.Select(x => J(new { item = x })).ToArray();
            _embed = items.Select(x => J(new { items = new[] { x } })).ToArray();
            _searchEmbedding = embeddings.Select(e => J(new { embedding = e, k = K })).ToArray();
        }

        public (string Path, byte[] Body) For(string kind, int i) => kind switch
        {
            "search" => ("/v1/search", _search[i % _search.Length]),
            "match" => ("/v1/match", _match[i % _match.Length]),
            "embed" => ("/v1/embed", _embed[i % _embed.Length]),
            _ => ("/v1/search", _searchEmbedding[i % _searchEmbedding.Length]),
        };
    }
}
