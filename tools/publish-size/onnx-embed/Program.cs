// onnx-embed MODEL.onnx [URL]: POST /v1/embed {"items": [[...], ...]} -> {"embeddings": [[...], ...]} with ONNX Runtime
// alone (TripletSharp.Onnx). A size probe for a libtorch-free deployment, not a replacement for `triplet serve`.
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using TripletSharp.Onnx;

if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: onnx-embed MODEL.onnx [URL]");
    return 2;
}
using var embedder = new OnnxEmbedder(args[0]);
var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseUrls(args.Length > 1 ? args[1] : "http://127.0.0.1:5081");
var app = builder.Build();
app.MapPost("/v1/embed", (EmbedBody body) =>
{
    var rows = body.Items ?? [];
    if (rows.Length == 0 || rows.Any(r => r.Length != embedder.ItemLength))
        return Results.Problem($"send 1 or more items of {embedder.ItemLength} values.", statusCode: 400);
    var flat = rows.SelectMany(r => r).ToArray();
    var e = embedder.Embed(flat);
    int d = embedder.EmbeddingDim;
    return Results.Ok(new { embeddings = Enumerable.Range(0, rows.Length).Select(i => e.AsSpan(i * d, d).ToArray()).ToArray() });
});
app.Run();
return 0;

/// <summary>The request body.</summary>
internal sealed record EmbedBody(float[][]? Items);
