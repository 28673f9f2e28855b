namespace TripletSharp.Serving;

/// <summary>Settings of <see cref="EmbeddingService"/> (the <c>triplet serve</c> options).</summary>
public sealed record ServeOptions
{
    /// <summary>The index folder to serve (required).</summary>
    public string IndexPath { get; init; } = "";

    /// <summary>Addresses to listen on, separated by ';' (port 0: any free port).</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5080";

    /// <summary>Most items in one forward pass of the dynamic batcher.</summary>
    public int MaxBatch { get; init; } = 64;

    /// <summary>How long the batcher waits for more items once one has arrived, in milliseconds (0: never waits).</summary>
    public double MaxWaitMs { get; init; } = 5;

    /// <summary>Most items waiting for the batcher; beyond it requests get 503 with Retry-After. Null: 16 × <see cref="MaxBatch"/> (at least 256).</summary>
    public int? MaxQueue { get; init; }

    /// <summary>Refuse <c>POST /v1/items</c>.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Match threshold in the index measure's units; null: the calibration in the index folder (or the model folder).</summary>
    public double? Threshold { get; init; }

    /// <summary>Largest request body in bytes (Kestrel's <c>MaxRequestBodySize</c>).</summary>
    public long MaxRequestBytes { get; init; } = 16L << 20;

    /// <summary>Most items in one request (embed, add).</summary>
    public int MaxItemsPerRequest { get; init; } = 256;

    /// <summary>Largest <c>k</c> a search may ask for.</summary>
    public int MaxK { get; init; } = 1000;

    /// <summary>Seconds <see cref="EmbeddingService.StopAsync"/> waits for requests in flight.</summary>
    public double ShutdownTimeoutSeconds { get; init; } = 30;

    /// <summary>Where one line per request goes (method, path, status, milliseconds); null: nowhere.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The effective queue bound.</summary>
    public int EffectiveMaxQueue => MaxQueue ?? Math.Max(256, 16 * MaxBatch);

    /// <summary>Checks every setting; throws <see cref="ArgumentException"/> naming the property.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(IndexPath)) throw new ArgumentException($"'{nameof(IndexPath)}' is required.", nameof(IndexPath));
        if (string.IsNullOrWhiteSpace(Urls)) throw new ArgumentException($"'{nameof(Urls)}' is required.", nameof(Urls));
        if (MaxBatch < 1 || MaxBatch > 4096) throw new ArgumentOutOfRangeException(nameof(MaxBatch), MaxBatch, $"'{nameof(MaxBatch)}' must be in [1, 4096], got {MaxBatch}.");
        if (!(MaxWaitMs >= 0 && MaxWaitMs <= 1000)) throw new ArgumentOutOfRangeException(nameof(MaxWaitMs), MaxWaitMs, $"'{nameof(MaxWaitMs)}' must be in [0, 1000], got {MaxWaitMs}.");
        if (MaxQueue is < 1) throw new ArgumentOutOfRangeException(nameof(MaxQueue), MaxQueue, $"'{nameof(MaxQueue)}' must be >= 1, got {MaxQueue}.");
        if (Threshold is { } t && !double.IsFinite(t)) throw new ArgumentOutOfRangeException(nameof(Threshold), t, $"'{nameof(Threshold)}' must be a finite number, got {t}.");
        if (MaxRequestBytes < 1024) throw new ArgumentOutOfRangeException(nameof(MaxRequestBytes), MaxRequestBytes, $"'{nameof(MaxRequestBytes)}' must be >= 1024, got {MaxRequestBytes}.");
        if (MaxItemsPerRequest < 1) throw new ArgumentOutOfRangeException(nameof(MaxItemsPerRequest), MaxItemsPerRequest, $"'{nameof(MaxItemsPerRequest)}' must be >= 1, got {MaxItemsPerRequest}.");
        if (MaxK < 1) throw new ArgumentOutOfRangeException(nameof(MaxK), MaxK, $"'{nameof(MaxK)}' must be >= 1, got {MaxK}.");
        if (!(ShutdownTimeoutSeconds > 0)) throw new ArgumentOutOfRangeException(nameof(ShutdownTimeoutSeconds), ShutdownTimeoutSeconds, $"'{nameof(ShutdownTimeoutSeconds)}' must be > 0, got {ShutdownTimeoutSeconds}.");
    }

}
