using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TripletSharp.Cli;
using TripletSharp.Search;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Serving;

/// <summary>
/// The built <c>triplet serve</c> as a real process (<see cref="CliProcess"/>): SIGTERM while an addition is in flight,
/// and start-up failures. Every wait has a deadline; the process is killed (SIGKILL) in any case when the test ends.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class ServeProcessTests(ServeFixture f)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Sigterm_FinishesTheAdditionInFlight_SavesIt_AndExits0()
    {
        if (OperatingSystem.IsWindows()) return;
        var index = f.CopyIndex();
        using var server = CliProcess.Start("serve", "--index", index, "--model", f.ModelFolder, "--urls", "http://127.0.0.1:0", "--threshold", "0.05");
        var url = (await server.WaitForLineAsync(@"listening on (http://\S+?)[ ,]", StartTimeout)).Groups[1].Value;
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = StepTimeout };
        using var probe = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = new Uri(url), Timeout = StepTimeout };

        // A request before: answered as usual.
        var search = await http.PostAsync("/v1/search", ServiceHarness.Json(new { item = f.Item(0), k = 3 }));
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);

        // An addition whose body is held half-sent: the server has begun it and cannot finish it until the test lets go.
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { items = new[] { new { id = "process/pending", label = "Bag", item = f.Item(1) } } }));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var content = new HeldContent(body, body.Length / 2, release.Task);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var add = http.PostAsync("/v1/items", content);
        try
        {
            await content.FirstPartSent.WaitAsync(StepTimeout);
            var deadline = Stopwatch.StartNew();
            while (JsonNode.Parse(await probe.GetStringAsync("/v1/info"))!["requests_in_flight"]!.GetValue<int>() < 2) // the addition and this request
            {
                Assert.True(deadline.Elapsed < StepTimeout, "the server never began the held addition");
                await Task.Delay(50);
            }

            server.Signal("TERM");
            await server.WaitForLineAsync("^stopping: ", StepTimeout);
            deadline.Restart();
            while (true) // stops accepting: a new connection is refused
            {
                try
                {
                    using var fresh = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                    await fresh.GetAsync(url + "/healthz");
                }
                catch (HttpRequestException)
                {
                    break;
                }
                Assert.True(deadline.Elapsed < StepTimeout, "the stopping server still accepts new connections");
                await Task.Delay(100);
            }
        }
        finally
        {
            release.TrySetResult();
        }

        // The addition in flight completes, and the process saves it and exits 0.
        using var answer = await add.WaitAsync(StepTimeout);
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal(501, JsonNode.Parse(text)!["count"]!.GetValue<int>());
        int code = await server.WaitForExitAsync(StepTimeout);
        Assert.True(code == 0, $"exit {code}; stderr: {server.Err}");
        Assert.Contains("POST /v1/items 200", server.Out);
        Assert.Contains($"stopped: index {index} holds 501 items, saved", server.Out);
        Assert.Equal("", server.Err);

        using var reopened = EmbeddingIndex.Open(index);
        Assert.Equal(501, reopened.Count);
        Assert.Equal("process/pending", reopened.ItemIds[500]);
        using var scope = NewDisposeScope();
        var expected = f.Embed(f.Item(1))[0]; // the row saved is the model's embedding of the item sent
        var nearest = reopened.Search(tensor(expected, new long[] { 1, expected.Length }), 1)[0][0];
        Assert.Equal("process/pending", nearest.Id);
        Assert.True(nearest.Distance < 1e-5, $"distance {nearest.Distance}");
    }

    [Fact]
    public async Task PortTaken_FailsFast_WithOneLine_AndExitCode6()
    {
        if (OperatingSystem.IsWindows()) return;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var server = CliProcess.Start("serve", "--index", f.IndexFolder, "--model", f.ModelFolder, "--urls", $"http://127.0.0.1:{port}");
        int code = await server.WaitForExitAsync(StartTimeout);
        Assert.Equal(ExitCodes.Io, code);
        var line = Assert.Single(server.ErrLines, l => l.Length > 0);
        Assert.StartsWith("triplet serve: ", line);
        Assert.Contains($"127.0.0.1:{port}", line);
        Assert.Contains("already in use", line);
    }

    /// <summary>A JSON body sent in two parts: the first at once, the rest when <c>release</c> completes.</summary>
    private sealed class HeldContent(byte[] body, int firstPart, Task release) : HttpContent
    {
        private readonly TaskCompletionSource _firstPartSent = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstPartSent => _firstPartSent.Task;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(body.AsMemory(0, firstPart));
            await stream.FlushAsync();
            _firstPartSent.TrySetResult();
            await release;
            await stream.WriteAsync(body.AsMemory(firstPart));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}
