using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TripletSharp.Search;

namespace TripletSharp.Serving;

/// <summary>
/// The HTTP service of an embedding model and its index: an ASP.NET Core minimal API on Kestrel with
/// <c>POST /v1/embed</c>, <c>/v1/search</c>, <c>/v1/match</c>, <c>/v1/items</c>, <c>GET /healthz</c>, <c>/v1/info</c>
/// and the OpenAPI document at <c>/openapi/v1.json</c>. Embedding work of concurrent requests is batched into shared
/// forward passes; bad input is answered 400 with an RFC 7807 problem naming the field, a full queue 503 with
/// Retry-After. <see cref="StartAsync"/> fails fast when the index was not made by the model or an address is taken;
/// <see cref="StopAsync"/> stops accepting, drains the requests in flight and saves any addition not yet saved.
/// </summary>
public sealed class EmbeddingService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServiceState _state;
    private int _stopped;

    private EmbeddingService(WebApplication app, ServiceState state, IReadOnlyList<string> addresses)
    {
        _app = app;
        _state = state;
        Addresses = addresses;
    }

    /// <summary>The addresses listened on (with the actual port when port 0 was asked for).</summary>
    public IReadOnlyList<string> Addresses { get; }

    /// <summary>Items in the index now.</summary>
    public int IndexCount => _state.Store.Count;

    /// <summary>The match threshold in use, if any.</summary>
    public double? Threshold => _state.Store.Threshold;

    /// <summary>Where the threshold came from (<c>--threshold</c> or a calibration file), if any.</summary>
    public string? ThresholdSource => _state.Store.ThresholdSource;

    /// <summary>Opens the index, checks it against the model, and starts listening.</summary>
    /// <param name="embedder">The model (not disposed by the service).</param>
    /// <param name="options">Settings.</param>
    /// <param name="modelFolder">The model folder, where a calibration may lie; null for none.</param>
    /// <param name="cancellationToken">Cancels start-up.</param>
    /// <exception cref="IndexMismatchException">The index was made by another model or has another dimension.</exception>
    /// <exception cref="IOException">An address is in use or cannot be bound.</exception>
    public static async Task<EmbeddingService> StartAsync(IEmbedder embedder, ServeOptions options, string? modelFolder = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(options);
        options = options with { };
        options.Validate();
        var index = EmbeddingIndex.Open(options.IndexPath, new IndexOpenOptions { View = options.ReadOnly });
        EmbeddingBatcher? batcher = null;
        IndexStore? store = null;
        WebApplication? app = null;
        try
        {
            CheckMatches(index, embedder);
            var (threshold, source) = IndexStore.ResolveThreshold(index, options.Threshold, modelFolder);
            store = new IndexStore(index, threshold, source);
            batcher = new EmbeddingBatcher(embedder, options.MaxBatch, TimeSpan.FromMilliseconds(options.MaxWaitMs), options.EffectiveMaxQueue);
            var state = new ServiceState(embedder, batcher, store, options);
            app = Build(state);
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e)
            {
                throw new IOException($"cannot listen on {options.Urls}: {Reason(e)}", e);
            }
            var addresses = app.Urls.ToArray();
            return new EmbeddingService(app, state, addresses);
        }
        catch
        {
            if (app is not null) await app.DisposeAsync();
            batcher?.Dispose();
            if (store is not null) store.Dispose();
            else index.Dispose();
            throw;
        }
    }

    private static string Reason(IOException e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is AddressInUseException || x is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
                return "the address is already in use (another service listens there; stop it or pick another port with --urls).";
        }
        return e.Message.Split('\n')[0].Trim();
    }

    /// <summary>The index must come from this model (fingerprint, when the model knows it) and have its dimension.</summary>
    internal static void CheckMatches(EmbeddingIndex index, IEmbedder embedder)
    {
        if (embedder.Fingerprint is { } fp) index.CheckCompatible(fp, embedder.EmbeddingDim, index.Measure);
        else if (index.Dimension != embedder.EmbeddingDim)
            throw new IndexMismatchException($"the index at {index.Path} holds {index.Dimension}-d embeddings, but the model {embedder.Source} makes {embedder.EmbeddingDim}-d ones.");
    }

    private static WebApplication Build(ServiceState state)
    {
        var o = state.Options;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            EnvironmentName = Environments.Production,
            ApplicationName = typeof(EmbeddingService).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(o.ShutdownTimeoutSeconds));
        builder.WebHost.UseKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = o.MaxRequestBytes;
            k.AddServerHeader = false;
        });
        builder.WebHost.UseUrls(o.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.Services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(f =>
        {
            f.MultipartBodyLengthLimit = o.MaxRequestBytes;
            f.ValueCountLimit = 4 * o.MaxItemsPerRequest + 16;
        });
        builder.Services.ConfigureHttpJsonOptions(j =>
        {
            j.SerializerOptions.PropertyNamingPolicy = RequestReader.Json.PropertyNamingPolicy;
            j.SerializerOptions.UnmappedMemberHandling = RequestReader.Json.UnmappedMemberHandling;
            j.SerializerOptions.NumberHandling = RequestReader.Json.NumberHandling;
        });
        builder.Services.AddProblemDetails(p => p.CustomizeProblemDetails = c =>
        {
            // Problems the framework writes itself (routing, content-type matching, the exception handler) get the
            // service's problem types too; the handlers' own problems already carry theirs.
            var pd = c.ProblemDetails;
            if (pd.Type?.StartsWith(Endpoints.ProblemTypePrefix, StringComparison.Ordinal) == true) return;
            (pd.Type, pd.Detail, var field) = pd.Status switch
            {
                StatusCodes.Status415UnsupportedMediaType => (Endpoints.ProblemTypePrefix + "unsupported-media-type", $"send application/json or multipart/form-data, got '{c.HttpContext.Request.ContentType ?? "nothing"}'.", "content-type"),
                StatusCodes.Status404NotFound => (Endpoints.ProblemTypePrefix + "not-found", $"no endpoint {c.HttpContext.Request.Path}; see /openapi/v1.json.", (string?)null),
                StatusCodes.Status405MethodNotAllowed => (Endpoints.ProblemTypePrefix + "method-not-allowed", $"{c.HttpContext.Request.Method} is not allowed on {c.HttpContext.Request.Path}.", null),
                StatusCodes.Status500InternalServerError => (Endpoints.ProblemTypePrefix + "internal", "an unexpected error; nothing about it is disclosed here.", null),
                _ => (pd.Type, pd.Detail, null),
            };
            if (field is not null) pd.Extensions["field"] = field;
        });
        builder.Services.AddOpenApi();
        var app = builder.Build();
        var log = o.Log;
        app.Use(async (ctx, next) =>
        {
            long start = Stopwatch.GetTimestamp();
            state.RequestBegun();
            try
            {
                await next(ctx);
            }
            finally
            {
                state.RequestEnded();
                if (log is not null)
                {
                    var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    log(string.Create(CultureInfo.InvariantCulture, $"{ctx.Request.Method} {ctx.Request.Path} {ctx.Response.StatusCode} {ms:0.0} ms"));
                }
            }
        });
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = _ => StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.MapOpenApi();
        Endpoints.Map(app, state);
        return app;
    }

    /// <summary>Stops accepting connections, waits for the requests in flight (up to the shutdown timeout), finishes the queued embedding work and saves any addition not yet saved.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        try
        {
            await _app.StopAsync(cancellationToken);
        }
        finally
        {
            _state.Batcher.Dispose();
            _state.Store.Flush();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        _state.Store.Dispose();
    }
}
