using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// The miner's (no-grad) distance matrix, kept with its mining result so that a loss on the same batch with
/// the same measure does not compute it again. A fingerprint of the embeddings (column sums and index-weighted column
/// sums, in float64) guards against reuse on other or modified embeddings.
/// </summary>
internal sealed class MatrixCache : IDisposable
{
    public MatrixCache(IMeasure distance, Tensor matrix, Tensor fingerprint)
    {
        Distance = distance;
        Matrix = matrix;
        Fingerprint = fingerprint;
    }

    public IMeasure Distance { get; }

    /// <summary>Raw B×B matrix of <see cref="Distance"/> (B×R against a reference set).</summary>
    public Tensor Matrix { get; }

    public Tensor Fingerprint { get; }

    /// <summary>
    /// The miner's pair table of the batch, when it built one: a loss on the same labels reuses its host arrays
    /// (<see cref="PairTable.ReuseFor"/>) instead of building it again. Its own tensors belong to the miner's scope.
    /// </summary>
    public PairTable? Table { get; init; }

    /// <summary>The host-only pair table of <paramref name="labels"/>: the miner's, reused when the labels are the same, or a new one.</summary>
    public static PairTable TableFor(MatrixCache? cache, Tensor labels) => cache?.Table?.ReuseFor(labels) ?? PairTable.BuildHost(labels);

    /// <summary>Fingerprint of a batch (2·D float64 values); created in the caller's scope.</summary>
    public static Tensor Of(Tensor embeddings)
    {
        using var noGrad = torch.no_grad();
        var e = embeddings.detach();
        if (HostTensor.IsKernelReady(e) && e.dim() == 2)
            return e.dtype == ScalarType.Float32 ? OfHost<float>(e) : OfHost<double>(e);
        var x = e.to(ScalarType.Float64);
        using var stop = Scalars.Make(x.shape[0] + 1);
        var w = arange(Scalars.I1, stop, Scalars.I1, ScalarType.Float64, x.device).unsqueeze(1);
        return cat(new[] { x.sum(new long[] { 0 }), (x * w).sum(new long[] { 0 }) }, 0);
    }

    /// <summary>
    /// The same fingerprint read in one serial pass over the host memory (no B×D float64 copy, no torch calls); columns in
    /// groups of four float64 lanes, each column's sums accumulated in row order.
    /// </summary>
    private static Tensor OfHost<T>(Tensor x) where T : unmanaged, System.Numerics.INumberBase<T>
    {
        int rows = (int)x.shape[0], dim = (int)x.shape[1];
        var values = HostTensor.Span<T>(x);
        var result = new double[2 * dim];
        var sums = result.AsSpan(0, dim);
        var weighted = result.AsSpan(dim, dim);
        int vectorEnd = Vector256.IsHardwareAccelerated ? dim / 4 * 4 : 0;
        for (int r = 0; r < rows; r++)
        {
            var row = values.Slice(r * dim, dim);
            double w = r + 1;
            var wv = Vector256.Create(w);
            int j = 0;
            for (; j < vectorEnd; j += 4)
            {
                var v = HostTensor.Widen4<T>(row.Slice(j, 4));
                (Vector256.Create(sums.Slice(j, 4)) + v).CopyTo(sums.Slice(j, 4));
                (Vector256.Create(weighted.Slice(j, 4)) + v * wv).CopyTo(weighted.Slice(j, 4));
            }
            for (; j < dim; j++)
            {
                double v = double.CreateTruncating(row[j]);
                sums[j] += v;
                weighted[j] += v * w;
            }
        }
        return tensor(result, dtype: ScalarType.Float64, device: x.device);
    }

    /// <summary>
    /// The cached matrix if it was computed with a measure equal to <paramref name="distance"/> on these embeddings
    /// (B×B, or B×<paramref name="columns"/> against a reference set that starts with the batch).
    /// </summary>
    public Tensor? For(IMeasure distance, Tensor embeddings, long? columns = null)
    {
        if (Matrix.IsInvalid || !Distance.SameMeasure(distance)) return null;
        long b = embeddings.shape[0];
        if (Matrix.shape[0] != b || Matrix.shape[1] != (columns ?? b) || Matrix.device_type != embeddings.device_type || Matrix.device_index != embeddings.device_index || Matrix.dtype != embeddings.dtype) return null;
        using var scope = torch.NewDisposeScope();
        var other = Of(embeddings);
        return other.shape[0] == Fingerprint.shape[0] && Fingerprint.eq(other).all().item<bool>() ? Matrix : null;
    }

    public void Dispose()
    {
        Matrix.Dispose();
        Fingerprint.Dispose();
    }
}
