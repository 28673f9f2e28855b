using System.Numerics;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// CPU pass that finishes a squared-Euclidean matrix computed by the matmul expansion: entries below
/// f·(|q_i|² + |r_j|²) are recomputed exactly from the differences, then the matrix is clamped at 0 and optionally
/// square-rooted, all in one pass over the B×B values.
/// </summary>
internal static class EuclideanKernel
{
    public static void Finish(Tensor sq, Tensor q, Tensor r, Tensor qNorms, Tensor rNorms, double fraction, bool root)
    {
        if (sq.dtype == ScalarType.Float32) Run<float>(sq, q, r, qNorms, rNorms, fraction, root);
        else Run<double>(sq, q, r, qNorms, rNorms, fraction, root);
    }

    private static void Run<T>(Tensor sq, Tensor q, Tensor r, Tensor qNorms, Tensor rNorms, double fraction, bool root)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long nq = sq.shape[0], nr = sq.shape[1];
        int dim = (int)q.shape[1];
        T f = T.CreateTruncating(fraction);
        var qn = qNorms.contiguous().data<T>().ToArray();
        var rn = ReferenceEquals(qNorms, rNorms) ? qn : rNorms.contiguous().data<T>().ToArray();
        int threads = HostTensor.Threads;
        using var blocks = new RowBlocks(sq, RowBlocks.Size(nq, nr, System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), 4L * threads));
        Parallel.For(0, blocks.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, block =>
        {
            var rows = HostTensor.Span<T>(blocks[block]);
            ReadOnlySpan<T> qAll = HostTensor.Span<T>(q);
            ReadOnlySpan<T> rAll = HostTensor.Span<T>(r);
            long r0 = block * blocks.RowsPerBlock;
            int count = (int)(rows.Length / nr);
            for (int ii = 0; ii < count; ii++)
            {
                long i = r0 + ii;
                var row = rows.Slice((int)(ii * nr), (int)nr);
                T qi = qn[i];
                var qRow = qAll.Slice((int)(i * dim), dim);
                for (int j = 0; j < row.Length; j++)
                {
                    T s = row[j];
                    if (s < f * (qi + rn[j])) s = Exact(qRow, rAll.Slice(j * dim, dim));
                    if (s < T.Zero) s = T.Zero;
                    row[j] = root ? T.Sqrt(s) : s;
                }
            }
        });
    }

    private static T Exact<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = a.Length, i = 0;
        var acc = Vector<T>.Zero;
        if (Vector.IsHardwareAccelerated)
        {
            var va = MemoryMarshal.Cast<T, Vector<T>>(a);
            var vb = MemoryMarshal.Cast<T, Vector<T>>(b);
            for (int k = 0; k < va.Length; k++)
            {
                var d = va[k] - vb[k];
                acc += d * d;
            }
            i = va.Length * Vector<T>.Count;
        }
        T sum = Vector.Sum(acc);
        for (; i < n; i++)
        {
            T d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }
}
