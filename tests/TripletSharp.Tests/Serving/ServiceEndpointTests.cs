using System.Text.Json.Nodes;
using SkiaSharp;
using TripletSharp.Search;
using TripletSharp.Serving;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Serving;

[Collection(ServingCollection.Name)]
public sealed class ServiceEndpointTests(ServeFixture f)
{
    private Task<ServiceHarness> Start(Func<ServeOptions, ServeOptions>? configure = null, string? index = null) =>
        ServiceHarness.StartAsync(index ?? f.IndexFolder, TorchEmbedder.Load(f.ModelFolder), configure);

    private static float[] Floats(JsonNode? n) => n!.AsArray().Select(v => v!.GetValue<float>()).ToArray();

    private static double CosineDistance(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return 1 - dot / (Math.Sqrt(na) * Math.Sqrt(nb));
    }

    internal static byte[] Png(float[] grey, int w, int h)
    {
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            byte v = (byte)Math.Round(grey[y * w + x] * 255);
            bmp.SetPixel(x, y, new SKColor(v, v, v, 255));
        }
        using var img = SKImage.FromBitmap(bmp);
        using var data = img.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    [Fact]
    public async Task Embed_JsonRowsAndPngImages_EqualModelBundleEmbed()
    {
        await using var s = await Start();
        var items = new[] { f.Item(0), f.Item(1), f.Item(2) };
        var expected = f.Embed(items);
        var (status, body, _, text) = await s.PostAsync("/v1/embed", ServiceHarness.Json(new { items }));
        Assert.True(status == 200, text);
        Assert.Equal(3, body!["count"]!.GetValue<int>());
        Assert.Equal(16, body["dimension"]!.GetValue<int>());
        var got = body["embeddings"]!.AsArray();
        for (int i = 0; i < 3; i++)
        {
            var row = Floats(got[i]);
            for (int j = 0; j < 16; j++) Assert.Equal(expected[i][j], row[j], 1e-5);
        }

        // The sample's pixels are k/255, so a PNG round trip gives the same values (to float rounding).
        var (ps, pb, _, ptext) = await s.PostAsync("/v1/embed", ServiceHarness.Images(("image", Png(items[0], 28, 28)), ("image", Png(items[1], 28, 28))));
        Assert.True(ps == 200, ptext);
        for (int i = 0; i < 2; i++)
        {
            var row = Floats(pb!["embeddings"]![i]);
            for (int j = 0; j < 16; j++) Assert.Equal(expected[i][j], row[j], 1e-4);
        }
    }

    [Fact]
    public async Task Search_EqualsEmbeddingIndexSearch_AndAReferenceLoop()
    {
        await using var s = await Start();
        var item = f.Item(5);
        var query = f.Embed(item)[0];
        using var index = EmbeddingIndex.Open(f.IndexFolder);
        SearchHit[] expected;
        using (var scope = NewDisposeScope()) expected = index.Search(tensor(query, new long[] { 1, 16 }), 7)[0];

        foreach (var content in new HttpContent[] { ServiceHarness.Json(new { item, k = 7 }), ServiceHarness.Json(new { embedding = query, k = 7 }) })
        {
            var (status, body, _, text) = await s.PostAsync("/v1/search", content);
            Assert.True(status == 200, text);
            var hits = body!["neighbors"]!.AsArray();
            Assert.Equal(7, hits.Count);
            for (int r = 0; r < 7; r++)
            {
                Assert.Equal(expected[r].Id, hits[r]!["id"]!.GetValue<string>());
                Assert.Equal(expected[r].ClassName, hits[r]!["label"]!.GetValue<string>());
                Assert.Equal(expected[r].Label, hits[r]!["label_index"]!.GetValue<long>());
                Assert.Equal(expected[r].Distance, hits[r]!["distance"]!.GetValue<double>(), 1e-5);
            }
        }
        // Double-precision reference: the nearest gallery row and its distance.
        var reference = f.GalleryEmbeddings.Select((g, i) => (d: CosineDistance(query, g), i)).OrderBy(t => t.d).ThenBy(t => t.i).First();
        Assert.Equal($"train/{reference.i}", expected[0].Id);
        Assert.Equal(reference.d, expected[0].Distance, 1e-5);
    }

    [Fact]
    public async Task Match_AcceptsWithinTheThreshold_UnknownBeyond()
    {
        const double threshold = 0.02;
        await using var s = await Start(o => o with { Threshold = threshold });
        int known = 0, unknown = 0;
        for (int i = 0; i < 12; i++)
        {
            var query = f.Embed(f.Item(i))[0];
            var nearest = f.GalleryEmbeddings.Select((g, j) => (d: CosineDistance(query, g), j)).OrderBy(t => t.d).ThenBy(t => t.j).First();
            var (status, body, _, text) = await s.PostAsync("/v1/match", ServiceHarness.Json(new { item = f.Item(i) }));
            Assert.True(status == 200, text);
            bool isKnown = nearest.d <= threshold;
            Assert.Equal(isKnown, body!["known"]!.GetValue<bool>());
            var nearestLabel = f.Data.Split.Train.ClassNames[(int)f.Data.Split.Train.Labels[nearest.j]];
            Assert.Equal(isKnown ? nearestLabel : "unknown", body["label"]!.GetValue<string>());
            Assert.Equal($"train/{nearest.j}", body["nearest_id"]!.GetValue<string>());
            Assert.Equal(nearest.d, body["distance"]!.GetValue<double>(), 1e-5);
            if (isKnown) known++; else unknown++;
        }
        // An index row itself is at distance 0: always known.
        var (_, self, _, _) = await s.PostAsync("/v1/match", ServiceHarness.Json(new { embedding = f.GalleryEmbeddings[3] }));
        Assert.True(self!["known"]!.GetValue<bool>());
        Assert.Equal("train/3", self["nearest_id"]!.GetValue<string>());
        Assert.True(known + unknown == 12);
    }

    [Fact]
    public async Task Match_WithoutThreshold_Is409ProblemNamingTheThreshold()
    {
        await using var s = await Start();
        var (status, body, r, _) = await s.PostAsync("/v1/match", ServiceHarness.Json(new { item = f.Item(0) }));
        Assert.Equal(409, status);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        Assert.Equal("threshold", body!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task Info_Healthz_AndOpenApi()
    {
        await using var s = await Start(o => o with { Threshold = 0.1 });
        var info = JsonNode.Parse(await s.Http.GetStringAsync("/v1/info"))!;
        Assert.Equal(f.Fingerprint, info["model"]!["fingerprint"]!.GetValue<string>());
        Assert.Equal("torchsharp", info["model"]!["runtime"]!.GetValue<string>());
        Assert.Equal(500, info["index"]!["count"]!.GetValue<int>());
        Assert.Equal("exact", info["index"]!["kind"]!.GetValue<string>());
        Assert.Equal("cosine", info["index"]!["measure"]!.GetValue<string>());
        Assert.Equal(0.1, info["threshold"]!.GetValue<double>());
        Assert.Equal("ok", JsonNode.Parse(await s.Http.GetStringAsync("/healthz"))!["status"]!.GetValue<string>());
        var openapi = JsonNode.Parse(await s.Http.GetStringAsync("/openapi/v1.json"))!;
        foreach (var p in new[] { "/v1/embed", "/v1/search", "/v1/match", "/v1/items", "/v1/info", "/healthz" })
            Assert.NotNull(openapi["paths"]![p]);
        lock (s.Log) Assert.Contains(s.Log, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^GET /v1/info 200 \d+\.\d ms$"));
    }

    public static TheoryData<string, string, string> BadJson => new()
    {
        { "/v1/embed", """{"items": [[1, 2, 3]]}""", "items[0]" },
        { "/v1/embed", "{\"items\": [[" + string.Join(",", Enumerable.Repeat("0", 3)) + ",\"NaN\"" + string.Concat(Enumerable.Repeat(",0", 780)) + "]]}", "items[0][3]" },
        { "/v1/embed", """{"items": []}""", "items" },
        { "/v1/embed", """{"rows": [[1]]}""", "rows" },
        { "/v1/search", """{"embedding": [1, 2], "k": 3}""", "embedding" },
        { "/v1/search", "{\"embedding\": [" + string.Join(",", Enumerable.Repeat("0.25", 16)) + "], \"k\": 0}", "k" },
        { "/v1/search", "{\"embedding\": [" + string.Join(",", Enumerable.Repeat("0.25", 16)) + "], \"k\": 1000000}", "k" },
        { "/v1/search", "{\"embedding\": [" + string.Join(",", Enumerable.Repeat("0.25", 16)) + "], \"k\": \"five\"}", "k" },
        { "/v1/search", "{\"embedding\": [" + string.Join(",", Enumerable.Repeat("0.25", 16)) + "], \"kk\": 3}", "kk" },
        { "/v1/search", "{\"embedding\": [\"Infinity\"" + string.Concat(Enumerable.Repeat(",0.25", 15)) + "]}", "embedding[0]" },
        { "/v1/search", """{"k": 3}""", "item" },
        { "/v1/search", """{"item": [1, 2""", "item[1]" },
        { "/v1/search", "not json", "body" },
        { "/v1/match", "{\"embedding\": [" + string.Join(",", Enumerable.Repeat("0.25", 16)) + "], \"k\": 3}", "k" },
        { "/v1/items", "{\"items\": [{\"embedding\": [" + string.Join(",", Enumerable.Repeat("0.25", 16)) + "]}]}", "items[0].label" },
        { "/v1/items", "{\"items\": [{\"label\": \"x\", \"embedding\": [" + string.Join(",", Enumerable.Repeat("0.25", 16)) + "], \"colour\": 1}]}", "items[0].colour" },
    };

    [Theory]
    [MemberData(nameof(BadJson))]
    public async Task BadJson_Is400ProblemNamingTheField(string path, string json, string field)
    {
        await using var s = await Start(o => o with { Threshold = 0.1 }, index: f.CopyIndex());
        var (status, body, r, text) = await s.PostAsync(path, ServiceHarness.RawJson(json));
        Assert.True(status == 400, text);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
        Assert.Equal(field, body!["field"]!.GetValue<string>());
        Assert.StartsWith(Endpoints.ProblemTypePrefix, body["type"]!.GetValue<string>());
        Assert.Equal(400, body["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(body["detail"]!.GetValue<string>()));
        Assert.DoesNotMatch(@"at [\w.]+\(", text); // no stack frame
        Assert.DoesNotContain("System.", text);
    }

    [Fact]
    public async Task BadImages_Are400ProblemsNamingTheImage()
    {
        await using var s = await Start();
        var cases = new (HttpContent Content, string Field, string Words)[]
        {
            (ServiceHarness.Images(("image", [1, 2, 3, 4, 5])), "image", "not a readable image"),
            (ServiceHarness.Images(("image", Png(f.Item(0), 28, 28)), ("image", Png(f.Item(0), 28, 28)[..40])), "image[1]", "image"),
            (ServiceHarness.Images(("photo", Png(f.Item(0), 28, 28))), "photo", "unknown"),
        };
        foreach (var (content, field, words) in cases)
        {
            var (status, body, r, text) = await s.PostAsync("/v1/embed", content);
            Assert.True(status == 400, text);
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
            Assert.Equal(field, body!["field"]!.GetValue<string>());
            Assert.Contains(words, body["detail"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task ABodyOverTheLimit_Is413Problem()
    {
        await using var s = await Start(o => o with { MaxRequestBytes = 4096 });
        var big = await s.PostAsync("/v1/embed", ServiceHarness.RawJson("{\"items\": [[" + string.Join(",", Enumerable.Repeat("0.5", 3000)) + "]]}"));
        Assert.Equal(413, big.Status);
        Assert.Equal("body", big.Body!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task ReadOnly_RefusesAddingItems()
    {
        var index = f.CopyIndex();
        await using var s = await Start(o => o with { ReadOnly = true }, index);
        var (status, body, _, _) = await s.PostAsync("/v1/items", ServiceHarness.Json(new { items = new[] { new { label = "x", embedding = f.GalleryEmbeddings[0] } } }));
        Assert.Equal(403, status);
        Assert.Equal("items", body!["field"]!.GetValue<string>());
        using var reopened = EmbeddingIndex.Open(index);
        Assert.Equal(500, reopened.Count);
    }

    [Fact]
    public async Task AddedItems_ArePersisted_AndFoundAfterARestart()
    {
        var index = f.CopyIndex();
        var newEmbedding = Enumerable.Range(0, 16).Select(i => i % 3 == 0 ? 1f : -0.5f).ToArray();
        await using (var s = await Start(null, index))
        {
            var (status, body, _, text) = await s.PostAsync("/v1/items", ServiceHarness.Json(new
            {
                items = new object[]
                {
                    new { id = "new/embedding", label = "Novel", embedding = newEmbedding },
                    new { id = "new/item", label = "Bag", item = f.Item(9) },
                },
            }));
            Assert.True(status == 200, text);
            Assert.Equal(502, body!["count"]!.GetValue<int>());
            // Visible to searches at once.
            var (_, hit, _, _) = await s.PostAsync("/v1/search", ServiceHarness.Json(new { embedding = newEmbedding, k = 1 }));
            Assert.Equal("new/embedding", hit!["neighbors"]![0]!["id"]!.GetValue<string>());
            Assert.Equal("Novel", hit["neighbors"]![0]!["label"]!.GetValue<string>());
            // A duplicate id is refused.
            var dup = await s.PostAsync("/v1/items", ServiceHarness.Json(new { items = new[] { new { id = "new/item", label = "Bag", embedding = newEmbedding } } }));
            Assert.Equal(409, dup.Status);
            Assert.Equal("items[0].id", dup.Body!["field"]!.GetValue<string>());
        }
        using (var reopened = EmbeddingIndex.Open(index))
        {
            Assert.Equal(502, reopened.Count);
            Assert.Equal("new/item", reopened.ItemIds[501]);
            Assert.Equal("Novel", reopened.ClassNames[(int)reopened.Labels[500]]);
        }
        await using (var s = await Start(null, index))
        {
            var (_, hit, _, _) = await s.PostAsync("/v1/search", ServiceHarness.Json(new { embedding = f.Embed(f.Item(9))[0], k = 1 }));
            Assert.Equal("new/item", hit!["neighbors"]![0]!["id"]!.GetValue<string>());
            Assert.Equal(0, hit["neighbors"]![0]!["distance"]!.GetValue<double>(), 1e-5);
        }
    }

    [Fact]
    public async Task Multipart_SearchWithK_AndAddingImagesWithLabelAndId()
    {
        var index = f.CopyIndex();
        await using var s = await Start(null, index);
        var png = Png(f.Item(11), 28, 28);
        var search = ServiceHarness.Images(("image", png));
        search.Add(new StringContent("3"), "k");
        var (status, body, _, text) = await s.PostAsync("/v1/search", search);
        Assert.True(status == 200, text);
        Assert.Equal(3, body!["neighbors"]!.AsArray().Count);

        var add = ServiceHarness.Images(("image", png));
        add.Add(new StringContent("Mystery"), "label");
        add.Add(new StringContent("upload/11"), "id");
        (status, body, _, text) = await s.PostAsync("/v1/items", add);
        Assert.True(status == 200, text);
        Assert.Equal("upload/11", body!["ids"]![0]!.GetValue<string>());
        var again = ServiceHarness.Images(("image", png));
        again.Add(new StringContent("5"), "k");
        (_, body, _, _) = await s.PostAsync("/v1/search", again);
        Assert.Equal("upload/11", body!["neighbors"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("Mystery", body["neighbors"]![0]!["label"]!.GetValue<string>());

        var noLabel = ServiceHarness.Images(("image", png));
        (status, body, _, _) = await s.PostAsync("/v1/items", noLabel);
        Assert.Equal(400, status);
        Assert.Equal("label", body!["field"]!.GetValue<string>());

        var plain = await s.PostAsync("/v1/search", new StringContent("k=3"));
        Assert.Equal(415, plain.Status);
        Assert.Equal("content-type", plain.Body!["field"]!.GetValue<string>());
        var missing = await s.Http.GetAsync("/v2/nothing");
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task OnnxService_GivesTheTorchServicesNumbers()
    {
        await using var onnx = await ServiceHarness.StartAsync(f.IndexFolder, new OnnxModelEmbedder(f.OnnxPath));
        var item = f.Item(4);
        var expected = f.Embed(item)[0];
        var (status, body, _, text) = await onnx.PostAsync("/v1/embed", ServiceHarness.Json(new { items = new[] { item } }));
        Assert.True(status == 200, text);
        var row = Floats(body!["embeddings"]![0]);
        for (int j = 0; j < 16; j++) Assert.Equal(expected[j], row[j], 1e-5);
        var info = JsonNode.Parse(await onnx.Http.GetStringAsync("/v1/info"))!;
        Assert.Equal("onnx", info["model"]!["runtime"]!.GetValue<string>());
        Assert.Equal(f.Fingerprint, info["model"]!["fingerprint"]!.GetValue<string>());
    }
}
