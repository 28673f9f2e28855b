using System.Diagnostics;

namespace TripletSharp.Serving;

/// <summary>
/// Dynamic batching: embed requests from many connections are queued, and one worker thread gathers them into a
/// single forward pass of up to <c>maxBatch</c> items, waiting for more until the oldest queued item has waited
/// <c>maxWait</c> (so under load, when items queue up during a pass, the next pass starts at once).
/// The queue is bounded in items; a request that would overflow it is refused at once
/// (<see cref="ServiceOverloadedException"/>) rather than growing memory. A request is never split across passes.
/// </summary>
internal sealed class EmbeddingBatcher : IDisposable
{
    private sealed record Job(float[] Items, int Count, TaskCompletionSource<float[]> Done, long Enqueued);

    private readonly IEmbedder _embedder;
    private readonly int _maxBatch;
    private readonly TimeSpan _maxWait;
    private readonly int _maxQueue;
    private readonly Queue<Job> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Lock _gate = new();
    private readonly Thread _worker;
    private int _queuedItems;
    private bool _closed;
    private long _batches;
    private long _items;

    public EmbeddingBatcher(IEmbedder embedder, int maxBatch, TimeSpan maxWait, int maxQueue)
    {
        _embedder = embedder;
        _maxBatch = maxBatch;
        _maxWait = maxWait;
        _maxQueue = maxQueue;
        _worker = new Thread(Work) { IsBackground = true, Name = "tripletsharp-batcher" };
        _worker.Start();
    }

    /// <summary>Forward passes run so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Items embedded so far.</summary>
    public long Items => Interlocked.Read(ref _items);

    /// <summary>Items waiting now.</summary>
    public int Queued => Volatile.Read(ref _queuedItems);

    /// <summary>Queues <paramref name="count"/> items; completes with count × dim embeddings.</summary>
    /// <exception cref="ServiceOverloadedException">The queue has no room for them, or the batcher is closed.</exception>
    public Task<float[]> EmbedAsync(float[] items, int count)
    {
        var job = new Job(items, count, new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously), Stopwatch.GetTimestamp());
        lock (_gate)
        {
            if (_closed) throw new ServiceOverloadedException("the service is stopping.");
            if (_queuedItems + count > _maxQueue)
                throw new ServiceOverloadedException($"the embedding queue is full ({_queuedItems} items waiting, at most {_maxQueue}).");
            _queuedItems += count;
            _queue.Enqueue(job);
        }
        _signal.Release();
        return job.Done.Task;
    }

    private void Work()
    {
        var batch = new List<Job>();
        while (true)
        {
            _signal.Wait();
            Job? first;
            lock (_gate)
            {
                if (!_queue.TryDequeue(out first))
                {
                    if (_closed) return;
                    continue;
                }
                _queuedItems -= first.Count;
            }
            batch.Clear();
            batch.Add(first);
            int total = first.Count;
            while (total < _maxBatch)
            {
                // The wait counts from when the first item was queued: when the previous pass took longer than
                // maxWait, what queued meanwhile goes at once (no extra wait under load).
                var left = _maxWait - Stopwatch.GetElapsedTime(first.Enqueued);
                bool more;
                lock (_gate) more = _queue.Count > 0;
                if (!more && (left <= TimeSpan.Zero || !_signal.Wait(left))) break;
                if (more && !_signal.Wait(0)) break; // every queued job has its signal; take it with the job
                lock (_gate)
                {
                    if (!_queue.TryPeek(out var next))
                    {
                        _signal.Release(); // the signal of Dispose: give it back for the outer loop
                        break;
                    }
                    if (total + next.Count > _maxBatch)
                    {
                        _signal.Release(); // leave it (and its signal) for the next pass
                        break;
                    }
                    _queue.Dequeue();
                    _queuedItems -= next.Count;
                    batch.Add(next);
                    total += next.Count;
                }
            }
            Run(batch, total);
        }
    }

    private void Run(List<Job> batch, int total)
    {
        int len = _embedder.ItemLength, dim = _embedder.EmbeddingDim;
        try
        {
            float[] input;
            if (batch.Count == 1)
            {
                input = batch[0].Items;
            }
            else
            {
                input = new float[(long)total * len];
                int at = 0;
                foreach (var j in batch)
                {
                    j.Items.AsSpan(0, j.Count * len).CopyTo(input.AsSpan(at));
                    at += j.Count * len;
                }
            }
            var output = new float[(long)total * dim];
            _embedder.Embed(input.AsSpan(0, total * len), total, output);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _items, total);
            int from = 0;
            foreach (var j in batch)
            {
                j.Done.TrySetResult(output.AsSpan(from, j.Count * dim).ToArray());
                from += j.Count * dim;
            }
        }
        catch (Exception e)
        {
            foreach (var j in batch) j.Done.TrySetException(e);
        }
    }

    /// <summary>Refuses new work, finishes what is queued, and stops the worker.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
        }
        _signal.Release();
        _worker.Join();
        lock (_gate)
        {
            while (_queue.TryDequeue(out var j)) j.Done.TrySetException(new ServiceOverloadedException("the service is stopping."));
        }
        _signal.Dispose();
    }
}
