using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using TripletSharp.Cli;
using TripletSharp.Distances;
using TripletSharp.Search;
using TripletSharp.Serving;
using TripletSharp.Tests.Cli;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Serving;

[Collection(ServingCollection.Name)]
public sealed class ServiceLifecycleTests(ServeFixture f)
{
    /// <summary>An index of 16-d one-hot rows for the <see cref="BlockingEmbedder"/>.</summary>
    private string SmallIndex()
    {
        var folder = f.Path2($"small-{Guid.NewGuid():N}");
        using var scope = NewDisposeScope();
        using var index = EmbeddingIndex.Build(eye(16), Enumerable.Range(0, 16).Select(i => (long)(i % 2)).ToArray(), ["even", "odd"],
            Enumerable.Range(0, 16).Select(i => $"row/{i}").ToArray(), new CosineDistance(), "test-model");
        index.Save(folder);
        return folder;
    }

    [Fact]
    public async Task AFullQueue_Is503WithRetryAfter()
    {
        var embedder = new BlockingEmbedder();
        await using var s = await ServiceHarness.StartAsync(SmallIndex(), embedder, o => o with { MaxBatch = 1, MaxWaitMs = 0, MaxQueue = 1 });
        var body = new { items = new[] { new float[] { 1, 0, 0, 0 } } };
        var first = s.PostAsync("/v1/embed", ServiceHarness.Json(body));   // taken by the worker, blocked in the forward pass
        Assert.True(await embedder.Entered.WaitAsync(TimeSpan.FromSeconds(20)));
        var second = s.PostAsync("/v1/embed", ServiceHarness.Json(body));  // fills the queue (1 item)
        var deadline = Stopwatch.StartNew();
        while (JsonNode.Parse(await s.Http.GetStringAsync("/v1/info"))!["batching"]!["queued"]!.GetValue<int>() < 1)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "the second request never reached the queue");
            await Task.Delay(20);
        }
        var third = await s.PostAsync("/v1/embed", ServiceHarness.Json(body));
        Assert.Equal(503, third.Status);
        Assert.Equal("1", third.Response.Headers.RetryAfter!.ToString());
        Assert.Equal("application/problem+json", third.Response.Content.Headers.ContentType!.MediaType);
        Assert.EndsWith("overloaded", third.Body!["type"]!.GetValue<string>());
        embedder.Gate.Set();
        Assert.Equal(200, (await first).Status);
        Assert.Equal(200, (await second).Status);
    }

    [Fact]
    public async Task QueuedRequests_ShareOneForwardPass_AndEachGetsItsOwnRows()
    {
        var embedder = new BlockingEmbedder();
        await using var s = await ServiceHarness.StartAsync(SmallIndex(), embedder, o => o with { MaxBatch = 64, MaxWaitMs = 0 });
        var first = s.PostAsync("/v1/embed", ServiceHarness.Json(new { items = new[] { new float[] { 0, 0, 0, 0 } } }));
        Assert.True(await embedder.Entered.WaitAsync(TimeSpan.FromSeconds(20)));
        var rest = Enumerable.Range(1, 5).Select(i => s.PostAsync("/v1/embed", ServiceHarness.Json(new { items = new[] { new float[] { i, 0, 0, 0 }, new float[] { i + 5, 0, 0, 0 } } }))).ToArray();
        var deadline = Stopwatch.StartNew();
        while (JsonNode.Parse(await s.Http.GetStringAsync("/v1/info"))!["batching"]!["queued"]!.GetValue<int>() < 10)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "the requests never reached the queue");
            await Task.Delay(20);
        }
        embedder.Gate.Set();
        Assert.Equal(200, (await first).Status);
        for (int i = 1; i <= 5; i++)
        {
            var (status, body, _, text) = await rest[i - 1];
            Assert.True(status == 200, text);
            for (int row = 0; row < 2; row++)
            {
                var e = body!["embeddings"]![row]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
                int hot = row == 0 ? i : i + 5;
                Assert.Equal(Enumerable.Range(0, 16).Select(j => j == hot ? 1f : 0f), e);
            }
        }
        Assert.Equal(2, embedder.Calls); // the first alone, then the five queued requests (10 items) in one pass
    }

    [Fact]
    public async Task Stop_DrainsTheRequestInFlight_AndItsAdditionIsSaved()
    {
        var folder = SmallIndex();
        var embedder = new BlockingEmbedder();
        var s = await ServiceHarness.StartAsync(folder, embedder);
        var add = s.PostAsync("/v1/items", ServiceHarness.Json(new { items = new[] { new { id = "late", label = "odd", item = new float[] { 3, 0, 0, 0 } } } }));
        Assert.True(await embedder.Entered.WaitAsync(TimeSpan.FromSeconds(20)));
        var stop = s.Service.StopAsync();
        await Task.Delay(200);
        Assert.False(stop.IsCompleted); // waiting for the request in flight
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => new HttpClient().GetAsync(s.Service.Addresses[0] + "/healthz")); // no new connections
        embedder.Gate.Set();
        var (status, body, _, text) = await add;
        Assert.True(status == 200, text);
        Assert.Equal(17, body!["count"]!.GetValue<int>());
        await stop;
        await s.DisposeAsync();
        using var reopened = EmbeddingIndex.Open(folder);
        Assert.Equal(17, reopened.Count);
        Assert.Equal("late", reopened.ItemIds[16]);
    }

    [Fact]
    public async Task Cli_Serve_StopsOnCancellation_WithExitCode0_AfterSavingAdditions()
    {
        var index = f.CopyIndex();
        using var cts = new CancellationTokenSource();
        var output = new SyncWriter();
        var err = new StringWriter();
        var run = Task.Run(() => CliApp.Run(["serve", "--index", index, "--model", f.ModelFolder, "--urls", "http://127.0.0.1:0", "--threshold", "0.05"], output, err, cts.Token, handleSignals: false));
        var url = await WaitForUrl(output, run, err);
        using (var http = new HttpClient { BaseAddress = new Uri(url) })
        {
            var r = await http.PostAsync("/v1/items", ServiceHarness.Json(new { items = new[] { new { id = "cli/added", label = "Bag", embedding = f.GalleryEmbeddings[7] } } }));
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        cts.Cancel();
        int code = await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, err.ToString());
        var text = output.ToString();
        Assert.Contains("POST /v1/items 200", text);
        Assert.Contains("stopped: index", text);
        using var reopened = EmbeddingIndex.Open(index);
        Assert.Equal(501, reopened.Count);
    }

    [Fact]
    public void Cli_Serve_FailsFast_WhenTheIndexIsFromAnotherModel()
    {
        var (code, _, err) = CliRunner.Run("serve", "--index", SmallIndex(), "--model", f.ModelFolder, "--urls", "http://127.0.0.1:0");
        Assert.Equal(ExitCodes.Model, code);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("triplet serve: ", line);
        Assert.Contains("was built by model test-model", line);
    }

    [Fact]
    public void Cli_Serve_FailsFast_WhenThePortIsTaken()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var (code, _, err) = CliRunner.Run("serve", "--index", f.IndexFolder, "--model", f.ModelFolder, "--urls", $"http://127.0.0.1:{port}");
        Assert.Equal(ExitCodes.Io, code);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"127.0.0.1:{port}", line);
        Assert.Contains("already in use", line);
    }

    [Fact]
    public void Cli_Serve_BadOptions_AreUsageErrorsNamingTheOption()
    {
        var (code, _, err) = CliRunner.Run("serve", "--index", f.IndexFolder, "--urls", "http://127.0.0.1:0");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--model", err);
        (code, _, err) = CliRunner.Run("serve", "--index", f.IndexFolder, "--model", f.ModelFolder, "--max-batch", "0");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--max-batch", err);
    }

    [Fact]
    public async Task LoadTest_8Connections_2Seconds_MixedEndpoints_NoErrors()
    {
        await using var s = await ServiceHarness.StartAsync(f.IndexFolder, TorchEmbedder.Load(f.ModelFolder), o => o with { Threshold = 0.05, Log = null });
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        int ok = 0, errors = 0;
        var workers = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = s.Http.BaseAddress };
            for (int i = 0; DateTime.UtcNow < until; i++)
            {
                var item = f.Item((c * 31 + i) % 50);
                HttpContent body = (i % 3) switch
                {
                    0 => ServiceHarness.Json(new { item, k = 5 }),
                    1 => ServiceHarness.Json(new { item }),
                    _ => ServiceHarness.Json(new { items = new[] { item } }),
                };
                var path = (i % 3) switch { 0 => "/v1/search", 1 => "/v1/match", _ => "/v1/embed" };
                var r = await http.PostAsync(path, body);
                if (r.IsSuccessStatusCode) Interlocked.Increment(ref ok); else Interlocked.Increment(ref errors);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        Assert.Equal(0, errors);
        Assert.True(ok >= 8, $"only {ok} requests in 2 s");
    }

    private static async Task<string> WaitForUrl(SyncWriter output, Task<int> run, StringWriter err)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            var m = System.Text.RegularExpressions.Regex.Match(output.ToString(), @"listening on (http://\S+?)[ ,]");
            if (m.Success) return m.Groups[1].Value;
            if (run.IsCompleted) Assert.Fail($"serve ended early ({await run}): {err}");
            await Task.Delay(50);
        }
        Assert.Fail("serve did not start within 60 s");
        return "";
    }

    /// <summary>A StringWriter that the serving thread and the test read at once.</summary>
    private sealed class SyncWriter : StringWriter
    {
        private readonly Lock gate = new();

        public override void Write(char value) { lock (gate) base.Write(value); }

        public override void Write(string? value) { lock (gate) base.Write(value); }

        public override void WriteLine(string? value) { lock (gate) base.WriteLine(value); }

        public override string ToString() { lock (gate) return base.ToString(); }
    }
}
