using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TripletSharp.Serving;

namespace TripletSharp.Tests.Serving;

/// <summary>A started service on a loopback port chosen by the system, and a client for it.</summary>
internal sealed class ServiceHarness : IAsyncDisposable
{
    private ServiceHarness(EmbeddingService service, IEmbedder embedder, bool ownsEmbedder, List<string> log)
    {
        Log = log;
        Service = service;
        Embedder = embedder;
        OwnsEmbedder = ownsEmbedder;
        Http = new HttpClient { BaseAddress = new Uri(service.Addresses[0]), Timeout = TimeSpan.FromSeconds(60) };
    }

    public EmbeddingService Service { get; }

    public IEmbedder Embedder { get; }

    private bool OwnsEmbedder { get; }

    public HttpClient Http { get; }

    /// <summary>The request log lines (lock it to read).</summary>
    public List<string> Log { get; }

    public static async Task<ServiceHarness> StartAsync(string index, IEmbedder embedder, Func<ServeOptions, ServeOptions>? configure = null, bool ownsEmbedder = true, string? modelFolder = null)
    {
        var log = new List<string>();
        var options = new ServeOptions { IndexPath = index, Urls = "http://127.0.0.1:0", Log = line => { lock (log) log.Add(line); } };
        options = configure?.Invoke(options) ?? options;
        var service = await EmbeddingService.StartAsync(embedder, options, modelFolder);
        return new ServiceHarness(service, embedder, ownsEmbedder, log);
    }

    public static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    public static StringContent RawJson(string body) => new(body, Encoding.UTF8, "application/json");

    public static MultipartFormDataContent Images(params (string Field, byte[] Bytes)[] files)
    {
        var m = new MultipartFormDataContent();
        int i = 0;
        foreach (var (field, bytes) in files)
        {
            var c = new ByteArrayContent(bytes);
            c.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            m.Add(c, field, $"img{i++}.png");
        }
        return m;
    }

    public async Task<(int Status, JsonNode? Body, HttpResponseMessage Response, string Text)> PostAsync(string path, HttpContent content)
    {
        var r = await Http.PostAsync(path, content);
        var text = await r.Content.ReadAsStringAsync();
        JsonNode? body = null;
        try { body = text.Length == 0 ? null : JsonNode.Parse(text); } catch (JsonException) { }
        return ((int)r.StatusCode, body, r, text);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Service.DisposeAsync();
        if (OwnsEmbedder) Embedder.Dispose();
    }
}
