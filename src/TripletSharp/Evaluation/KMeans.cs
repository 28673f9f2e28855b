using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Evaluation;

/// <summary>Seeded k-means (k-means++ initialisation, Lloyd iterations) on TorchSharp tensors, on the input's device.</summary>
/// <remarks>
/// Initialisation is plain k-means++ (one candidate per step, drawn with probability ∝ D², from a
/// <see cref="Random"/> seeded with the given seed; when every remaining point coincides with a chosen centre the
/// next one is drawn uniformly). Lloyd iterations stop when no assignment changes or after the iteration cap.
/// A point equidistant from several centres goes to the lowest-numbered one; an empty cluster keeps its centre.
/// </remarks>
internal static class KMeans
{
    /// <summary>Clusters the rows of <paramref name="x"/> (N×D) into <paramref name="clusters"/> groups.</summary>
    /// <param name="x">N×D points.</param>
    /// <param name="clusters">Number of clusters, 1 ≤ clusters ≤ N.</param>
    /// <param name="seed">Seed of the initialisation.</param>
    /// <param name="maxIterations">Cap on Lloyd iterations.</param>
    /// <returns>The cluster of every row, in [0, clusters).</returns>
    public static long[] Cluster(Tensor x, int clusters, int seed = 0, int maxIterations = 50)
    {
        Guard.Embeddings(x, nameof(x));
        Guard.Positive(clusters, nameof(clusters));
        Guard.Positive(maxIterations, nameof(maxIterations));
        long n = x.shape[0];
        if (clusters > n) throw new ArgumentOutOfRangeException(nameof(clusters), clusters, $"'{nameof(clusters)}' = {clusters} exceeds the {n} points.");
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var pts = x.detach().to_type(ScalarType.Float32).contiguous();
        var norms = pts.mul(pts).sum(1);
        var rng = new Random(seed);

        // k-means++.
        var chosen = new long[clusters];
        chosen[0] = rng.NextInt64(n);
        var d2 = SquaredDistanceTo(pts, norms, chosen[0]);
        for (int c = 1; c < clusters; c++)
        {
            double[] w = d2.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
            double total = 0;
            foreach (var v in w) total += v;
            long pick;
            if (!(total > 0)) pick = rng.NextInt64(n);
            else
            {
                double target = rng.NextDouble() * total, acc = 0;
                pick = n - 1;
                for (long i = 0; i < n; i++)
                {
                    acc += w[i];
                    if (acc > target && w[i] > 0) { pick = i; break; }
                }
            }
            chosen[c] = pick;
            d2 = torch.minimum(d2, SquaredDistanceTo(pts, norms, pick));
        }
        var centres = pts.index_select(0, torch.tensor(chosen, device: pts.device)).clone();

        Tensor? assign = null;
        long rowsPerBlock = Math.Max(1, (1L << 24) / clusters);
        for (int it = 0; it < maxIterations; it++)
        {
            var cn = centres.mul(centres).sum(1);
            var parts = new List<Tensor>();
            for (long s = 0; s < n; s += rowsPerBlock)
            {
                var blk = pts.narrow(0, s, Math.Min(rowsPerBlock, n - s));
                // ‖c‖² − 2x·c ranks centres like ‖x − c‖²; argmin returns the first (lowest) index on ties.
                parts.Add(torch.addmm(cn.unsqueeze(0), blk, centres.t(), beta: 1, alpha: -2).argmin(1));
            }
            var next = parts.Count == 1 ? parts[0] : torch.cat(parts, 0);
            bool changed = assign is null || !next.eq(assign).all().item<bool>();
            assign = next;
            // scatter_add_ (not index_add_, which loops over rows on CPU); sequential per column, so deterministic.
            var sums = torch.zeros(clusters, pts.shape[1], dtype: ScalarType.Float32, device: pts.device)
                .scatter_add_(0, assign.unsqueeze(1).expand(n, pts.shape[1]), pts);
            var counts = torch.bincount(assign, minlength: clusters).to_type(ScalarType.Float32);
            var nonEmpty = counts.gt(Scalars.Zero);
            centres = torch.where(nonEmpty.unsqueeze(1), sums / counts.clamp_min(Scalars.One).unsqueeze(1), centres);
            if (!changed) break;
        }
        return assign!.cpu().data<long>().ToArray();
    }

    private static Tensor SquaredDistanceTo(Tensor pts, Tensor norms, long index)
    {
        var c = pts[index];
        return norms.add(pts.mv(c), Scalars.Of(-2.0)).add_(c.mul(c).sum(), Scalars.One).clamp_min(Scalars.Zero);
    }
}
