using TripletSharp.Serving.Contracts;

namespace TripletSharp.Serving;

/// <summary>What the handlers share: the embedder, the batcher, the index and the settings.</summary>
internal sealed class ServiceState(IEmbedder embedder, EmbeddingBatcher batcher, IndexStore store, ServeOptions options)
{
    public IEmbedder Embedder { get; } = embedder;

    public EmbeddingBatcher Batcher { get; } = batcher;

    public IndexStore Store { get; } = store;

    public ServeOptions Options { get; } = options;

    private int _inFlight;

    /// <summary>Requests begun and not yet answered.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public void RequestBegun() => Interlocked.Increment(ref _inFlight);

    public void RequestEnded() => Interlocked.Decrement(ref _inFlight);

    public int MaxItems => Math.Min(Options.MaxItemsPerRequest, Options.EffectiveMaxQueue);

    public InfoResponse Info()
    {
        var e = Embedder;
        var index = Store.Index;
        return new InfoResponse(
            new ModelInfo(e.Runtime, e.Source, e.Architecture, e.InputKind, e.ItemShape.ToArray(), e.EmbeddingDim, e.MeasureName, e.Fingerprint),
            new IndexInfo(index.Path ?? Options.IndexPath, index.Kind.ToString().ToLowerInvariant(), Store.Count, index.Dimension, index.MeasureName, index.ModelFingerprint, index.ClassNames.Count),
            Store.Threshold, Store.ThresholdSource, Options.ReadOnly,
            new BatchingInfo(Options.MaxBatch, Options.MaxWaitMs, Options.EffectiveMaxQueue, MaxItems, Batcher.Batches, Batcher.Items, Batcher.Queued), InFlight);
    }
}
