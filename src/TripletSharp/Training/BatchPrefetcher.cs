using System.Collections.Concurrent;
using System.Diagnostics;
using TripletSharp.Data;

namespace TripletSharp.Training;

/// <summary>
/// Prepares training batches ahead of the optimisation step: a producer task fills each batch's items (copied from
/// memory or decoded from files) and augments them on up to <c>workers</c> threads, and hands finished batches over
/// through a bounded queue of <see cref="Depth"/> batches.
/// </summary>
/// <remarks>
/// Every item is a pure function of (seed, epoch, batch index, position in the batch, item): nothing depends on which
/// thread prepared it or when, so a run gives the same batches whatever the prefetch timing, the number of workers,
/// and whether it was resumed in the middle of an epoch.
/// </remarks>
internal sealed class BatchPrefetcher : IDisposable
{
    /// <summary>Batches prepared ahead of the step.</summary>
    public const int Depth = 4;

    private readonly IImageItems items;
    private readonly ImageAugmentation? augmentation;
    private readonly int seed;
    private readonly int workers;
    private readonly int itemLength;
    private BlockingCollection<(int Batch, float[] Values, Exception? Error)>? queue;
    private CancellationTokenSource? stop;
    private Task? producer;

    public BatchPrefetcher(IImageItems items, ImageAugmentation? augmentation, int seed, int workers)
    {
        this.items = items;
        this.augmentation = augmentation;
        this.seed = seed;
        this.workers = Math.Max(1, workers);
        var shape = items.ItemShape;
        itemLength = (int)(shape[0] * shape[1] * shape[2]);
    }

    /// <summary>Shape of one item: [C, S, S].</summary>
    public long[] ItemShape => items.ItemShape;

    /// <summary>Seconds the step spent waiting for batches since the last <see cref="Start"/>.</summary>
    public double WaitSeconds { get; private set; }

    /// <summary>Starts preparing <paramref name="batches"/> (batch index and item indices, in the order they will be taken) of <paramref name="epoch"/>.</summary>
    public void Start(int epoch, IReadOnlyList<(int Batch, int[] Items)> batches)
    {
        StopProducer();
        WaitSeconds = 0;
        stop = new CancellationTokenSource();
        var token = stop.Token;
        var q = queue = new BlockingCollection<(int, float[], Exception?)>(Depth);
        producer = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var (b, batch) in batches)
                {
                    if (token.IsCancellationRequested) return;
                    float[] values;
                    try
                    {
                        values = Prepare(epoch, b, batch);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        q.Add((b, [], e), token);
                        return;
                    }
                    q.Add((b, values, null), token);
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                q.CompleteAdding();
            }
        }, token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The values (B×C×S×S, in [0, 1]) of batch <paramref name="batch"/>, waiting for it when it is not ready.</summary>
    /// <exception cref="DataFormatException">An item could not be read (the first bad item of the batch is named).</exception>
    public float[] Take(int batch)
    {
        var q = queue ?? throw new InvalidOperationException("The prefetcher was not started.");
        var watch = Stopwatch.StartNew();
        if (!q.TryTake(out var next, Timeout.Infinite))
            throw new InvalidOperationException($"The prefetcher ran out of batches before batch {batch + 1}.");
        WaitSeconds += watch.Elapsed.TotalSeconds;
        if (next.Error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(next.Error);
        if (next.Batch != batch) throw new InvalidOperationException($"The prefetcher produced batch {next.Batch + 1} where batch {batch + 1} was expected.");
        return next.Values;
    }

    /// <summary>Prepares one batch (also used directly by tests): item i of the batch gets the seed of (seed, epoch, batch, i).</summary>
    internal float[] Prepare(int epoch, int batch, int[] indices)
    {
        var values = new float[(long)indices.Length * itemLength];
        var errors = new Exception?[indices.Length];
        int channels = (int)items.ItemShape[0], size = (int)items.ItemShape[1];
        Parallel.For(0, indices.Length, new ParallelOptions { MaxDegreeOfParallelism = workers }, () => new float[augmentation is null ? 0 : itemLength], (i, state, scratch) =>
        {
            try
            {
                var slot = values.AsSpan(i * itemLength, itemLength);
                if (augmentation is null)
                {
                    items.Fill(indices[i], slot);
                }
                else
                {
                    items.Fill(indices[i], scratch);
                    augmentation.Apply(scratch, slot, channels, size, ImageAugmentation.ItemSeed(seed, epoch, batch, i));
                }
            }
            catch (DataFormatException e)
            {
                errors[i] = e;
            }
            return scratch;
        }, _ => { });
        var first = errors.FirstOrDefault(e => e is not null);
        if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        return values;
    }

    private void StopProducer()
    {
        if (producer is null) return;
        stop!.Cancel();
        // Drain so a producer blocked on a full queue sees the cancellation.
        while (!producer.IsCompleted) queue!.TryTake(out _, 10);
        producer = null;
        stop.Dispose();
        stop = null;
        queue!.Dispose();
        queue = null;
    }

    public void Dispose() => StopProducer();
}
