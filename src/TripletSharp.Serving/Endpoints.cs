using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TripletSharp.Search;
using TripletSharp.Serving.Contracts;

namespace TripletSharp.Serving;

/// <summary>The service's routes: one handler per endpoint, bad input answered as RFC 7807 problem details.</summary>
internal static class Endpoints
{
    public const string ProblemTypePrefix = "urn:tripletsharp:problem:";
    private const string Json = "application/json";
    private const string Multipart = "multipart/form-data";

    public static void Map(IEndpointRouteBuilder app, ServiceState s)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthResponse("ok")))
            .WithName("Health").WithSummary("Liveness: 200 while the service accepts requests.");

        app.MapGet("/v1/info", () => TypedResults.Ok(s.Info()))
            .WithName("Info").WithSummary("The model, its fingerprint, the index (size, kind, measure), the match threshold and the batching settings.");

        app.MapPost("/v1/embed", (Delegate)((HttpContext ctx) => Guarded(ctx, () => Embed(ctx, s))))
            .WithName("Embed").WithSummary("Embeddings of one or more items: JSON {\"items\": [[…], …]} or multipart files 'image'.")
            .Accepts<EmbedRequest>(Json, Multipart).Produces<EmbedResponse>().ProducesProblem(400).ProducesProblem(503);

        app.MapPost("/v1/search", (Delegate)((HttpContext ctx) => Guarded(ctx, () => Search(ctx, s))))
            .WithName("Search").WithSummary("The k nearest index items of one item, image or embedding: id, label, distance.")
            .Accepts<QueryRequest>(Json, Multipart).Produces<SearchResponse>().ProducesProblem(400).ProducesProblem(503);

        app.MapPost("/v1/match", (Delegate)((HttpContext ctx) => Guarded(ctx, () => Match(ctx, s))))
            .WithName("Match").WithSummary("Open-set decision for one item, image or embedding: the nearest item's label within the threshold, else 'unknown'.")
            .Accepts<QueryRequest>(Json, Multipart).Produces<MatchResponse>().ProducesProblem(400).ProducesProblem(409).ProducesProblem(503);

        app.MapPost("/v1/items", (Delegate)((HttpContext ctx) => Guarded(ctx, () => AddItems(ctx, s))))
            .WithName("AddItems").WithSummary("Adds labelled items (or embeddings) to the index and saves it atomically before answering; refused with --read-only.")
            .Accepts<AddItemsRequest>(Json, Multipart).Produces<AddItemsResponse>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(409).ProducesProblem(503);
    }

    private static async Task<IResult> Guarded(HttpContext ctx, Func<Task<IResult>> handler)
    {
        try
        {
            return await handler();
        }
        catch (BadInputException e)
        {
            var (type, title) = e.Status switch
            {
                StatusCodes.Status413PayloadTooLarge => ("too-large", "Request too large"),
                StatusCodes.Status415UnsupportedMediaType => ("unsupported-media-type", "Unsupported media type"),
                StatusCodes.Status403Forbidden => ("read-only", "The index is read-only"),
                StatusCodes.Status409Conflict => ("conflict", "Conflict"),
                _ => ("invalid-input", "Invalid input"),
            };
            return Problem(e.Status, type, title, e.Detail, e.Field);
        }
        catch (ServiceOverloadedException e)
        {
            ctx.Response.Headers.RetryAfter = "1";
            return Problem(StatusCodes.Status503ServiceUnavailable, "overloaded", "Service overloaded", $"{e.Message} Retry after 1 s.", null);
        }
    }

    internal static IResult Problem(int status, string type, string title, string detail, string? field) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: ProblemTypePrefix + type,
            extensions: field is null ? null : new Dictionary<string, object?> { ["field"] = field });

    private static async Task<IResult> Embed(HttpContext ctx, ServiceState s)
    {
        var e = s.Embedder;
        float[] items;
        int count;
        if (RequestReader.IsMultipart(ctx.Request))
        {
            var form = await RequestReader.ReadFormAsync(ctx.Request, [], ["image"], ctx.RequestAborted);
            (items, count, _) = await RequestReader.ReadImagesAsync(form.Files, e, s.MaxItems, ctx.RequestAborted);
        }
        else
        {
            var body = await RequestReader.ReadJsonAsync<EmbedRequest>(ctx.Request, ctx.RequestAborted);
            var rows = body.Items ?? throw new BadInputException("items", "missing; send {\"items\": [[…], …]}.");
            if (rows.Length == 0) throw new BadInputException("items", "empty; send at least one item.");
            if (rows.Length > s.MaxItems) throw new BadInputException("items", $"{rows.Length} items; at most {s.MaxItems} per request.");
            count = rows.Length;
            items = new float[(long)count * e.ItemLength];
            for (int i = 0; i < count; i++)
            {
                RequestReader.CheckRow(rows[i], e.ItemLength, $"items[{i}]", RequestReader.DescribeItem(e));
                rows[i].CopyTo(items, (long)i * e.ItemLength);
            }
        }
        var emb = await s.Batcher.EmbedAsync(items, count);
        int dim = e.EmbeddingDim;
        var result = new float[count][];
        for (int i = 0; i < count; i++) result[i] = emb.AsSpan(i * dim, dim).ToArray();
        return TypedResults.Ok(new EmbedResponse(count, dim, result));
    }

    /// <summary>The query's embedding (embedding given, or the item or image embedded through the batcher) and its k.</summary>
    private static async Task<(float[] Embedding, int? K)> Query(HttpContext ctx, ServiceState s, bool withK)
    {
        var e = s.Embedder;
        if (RequestReader.IsMultipart(ctx.Request))
        {
            var form = await RequestReader.ReadFormAsync(ctx.Request, withK ? ["k"] : [], ["image"], ctx.RequestAborted);
            int? k = null;
            if (form.TryGetValue("k", out var kText))
            {
                if (kText.Count != 1 || !int.TryParse(kText[0], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var kv))
                    throw new BadInputException("k", $"must be one integer, got '{kText}'.");
                k = kv;
            }
            CheckK(k, s);
            var (items, count, _) = await RequestReader.ReadImagesAsync(form.Files, e, 1, ctx.RequestAborted);
            return (await s.Batcher.EmbedAsync(items, count), k);
        }
        var q = await RequestReader.ReadJsonAsync<QueryRequest>(ctx.Request, ctx.RequestAborted);
        if (!withK && q.K is not null) throw new BadInputException("k", "unknown field for this endpoint (match decides on the nearest item).");
        CheckK(q.K, s);
        if ((q.Item is null) == (q.Embedding is null))
            throw new BadInputException(q.Item is null ? "item" : "embedding", "send exactly one of 'item' (a raw item), 'embedding', or a multipart 'image'.");
        if (q.Embedding is { } emb)
        {
            RequestReader.CheckRow(emb, e.EmbeddingDim, "embedding", "an embedding of the model");
            return (emb, q.K);
        }
        RequestReader.CheckRow(q.Item, e.ItemLength, "item", RequestReader.DescribeItem(e));
        return (await s.Batcher.EmbedAsync(q.Item!, 1), q.K);
    }

    private static void CheckK(int? k, ServiceState s)
    {
        if (k is { } kk && (kk < 1 || kk > s.Options.MaxK))
            throw new BadInputException("k", $"must be in [1, {s.Options.MaxK}], got {kk}.");
    }

    private static async Task<IResult> Search(HttpContext ctx, ServiceState s)
    {
        var (emb, k) = await Query(ctx, s, withK: true);
        int kk = k ?? 5;
        var hits = await s.Store.SearchAsync(emb, kk, ctx.RequestAborted);
        return TypedResults.Ok(new SearchResponse(kk, s.Store.Index.MeasureName,
            hits.Select(h => new Neighbor(h.Id, h.ClassName, h.Label, h.Position, h.Distance)).ToArray()));
    }

    private static async Task<IResult> Match(HttpContext ctx, ServiceState s)
    {
        s.Store.RequireMatcher(); // 409 before any work when there is no threshold
        var (emb, _) = await Query(ctx, s, withK: false);
        MatchResult m = await s.Store.MatchAsync(emb, ctx.RequestAborted);
        var nearestLabel = s.Store.Index.ClassNames[(int)m.NearestLabel];
        return TypedResults.Ok(new MatchResponse(m.ClassName ?? "unknown", m.IsKnown, m.NearestDistance, m.NearestId, nearestLabel,
            s.Store.Threshold!.Value, s.Store.Index.MeasureName));
    }

    private static async Task<IResult> AddItems(HttpContext ctx, ServiceState s)
    {
        if (s.Options.ReadOnly)
            throw new BadInputException("items", "the service runs with --read-only; restart it without to add items.", StatusCodes.Status403Forbidden);
        var e = s.Embedder;
        int dim = e.EmbeddingDim;
        string[] labels;
        string?[] ids;
        float[] embeddings;
        if (RequestReader.IsMultipart(ctx.Request))
        {
            var form = await RequestReader.ReadFormAsync(ctx.Request, ["label", "id"], ["image"], ctx.RequestAborted);
            var (items, count, names) = await RequestReader.ReadImagesAsync(form.Files, e, s.MaxItems, ctx.RequestAborted);
            var l = form["label"];
            if (l.Count != 1 && l.Count != count) throw new BadInputException("label", $"send one 'label' for all images or one per image ({count}); got {l.Count}.");
            labels = Enumerable.Range(0, count).Select(i => CheckLabel(l.Count == 1 ? l[0] : l[i], "label")).ToArray();
            var idValues = form["id"];
            if (idValues.Count != 0 && idValues.Count != count) throw new BadInputException("id", $"send one 'id' per image ({count}) or none; got {idValues.Count}.");
            ids = Enumerable.Range(0, count).Select(i => idValues.Count == 0 ? names[i] : CheckId(idValues[i], "id")).ToArray();
            embeddings = await s.Batcher.EmbedAsync(items, count);
        }
        else
        {
            var body = await RequestReader.ReadJsonAsync<AddItemsRequest>(ctx.Request, ctx.RequestAborted);
            var list = body.Items ?? throw new BadInputException("items", "missing; send {\"items\": [{\"label\": …, \"item\" or \"embedding\": […]}]}.");
            if (list.Length == 0) throw new BadInputException("items", "empty; send at least one item.");
            if (list.Length > s.MaxItems) throw new BadInputException("items", $"{list.Length} items; at most {s.MaxItems} per request.");
            int n = list.Length;
            labels = new string[n];
            ids = new string?[n];
            embeddings = new float[(long)n * dim];
            var toEmbed = new List<int>();
            for (int i = 0; i < n; i++)
            {
                var it = list[i] ?? throw new BadInputException($"items[{i}]", "null; send an object.");
                labels[i] = CheckLabel(it.Label, $"items[{i}].label");
                ids[i] = it.Id is null ? null : CheckId(it.Id, $"items[{i}].id");
                if ((it.Item is null) == (it.Embedding is null))
                    throw new BadInputException($"items[{i}]", "send exactly one of 'item' (a raw item) or 'embedding'.");
                if (it.Embedding is { } emb)
                {
                    RequestReader.CheckRow(emb, dim, $"items[{i}].embedding", "an embedding of the model");
                    emb.CopyTo(embeddings, (long)i * dim);
                }
                else
                {
                    RequestReader.CheckRow(it.Item, e.ItemLength, $"items[{i}].item", RequestReader.DescribeItem(e));
                    toEmbed.Add(i);
                }
            }
            if (toEmbed.Count > 0)
            {
                var raw = new float[(long)toEmbed.Count * e.ItemLength];
                for (int j = 0; j < toEmbed.Count; j++) list[toEmbed[j]].Item!.CopyTo(raw, (long)j * e.ItemLength);
                var got = await s.Batcher.EmbedAsync(raw, toEmbed.Count);
                for (int j = 0; j < toEmbed.Count; j++) got.AsSpan(j * dim, dim).CopyTo(embeddings.AsSpan(toEmbed[j] * dim));
            }
        }
        var (total, added) = s.Store.Add(embeddings, labels.Length, labels, ids);
        return TypedResults.Ok(new AddItemsResponse(labels.Length, added, total));
    }

    private static string CheckLabel(string? label, string field)
    {
        if (string.IsNullOrWhiteSpace(label)) throw new BadInputException(field, "missing or empty; every added item needs its class name.");
        if (label.Length > 200) throw new BadInputException(field, "longer than 200 characters.");
        return label;
    }

    private static string CheckId(string? id, string field)
    {
        if (string.IsNullOrWhiteSpace(id)) throw new BadInputException(field, "empty; leave it out to get a generated id.");
        if (id.Length > 500) throw new BadInputException(field, "longer than 500 characters.");
        return id;
    }
}
