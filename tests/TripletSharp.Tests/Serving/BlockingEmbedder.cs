using TripletSharp.Serving;

namespace TripletSharp.Tests.Serving;

/// <summary>A 4-feature → 16-d embedder that waits on a gate inside every forward pass, so a test controls what is in flight.</summary>
internal sealed class BlockingEmbedder : IEmbedder
{
    public ManualResetEventSlim Gate { get; } = new(false);

    public SemaphoreSlim Entered { get; } = new(0);

    public int Calls;

    public string Runtime => "test";

    public string Source => "blocking";

    public string? Architecture => null;

    public string InputKind => "vectors";

    public IReadOnlyList<long> ItemShape => [4];

    public int ItemLength => 4;

    public int EmbeddingDim => 16;

    public string MeasureName => "cosine";

    public string? Fingerprint => null;

    public void Embed(ReadOnlySpan<float> items, int count, Span<float> destination)
    {
        Interlocked.Increment(ref Calls);
        Entered.Release();
        Gate.Wait(TimeSpan.FromSeconds(30));
        for (int i = 0; i < count; i++)
        {
            var row = destination.Slice(i * 16, 16);
            row.Clear();
            row[(int)Math.Abs(items[i * 4]) % 16] = 1;
        }
    }

    public void Dispose() => Gate.Dispose();
}
