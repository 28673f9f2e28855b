using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>The triplet margin loss's parameters, as its kernels need them.</summary>
/// <param name="Margin">The hinge margin (ignored with <paramref name="SoftMargin"/>).</param>
/// <param name="SoftMargin">softplus(d_ap − d_an) instead of the hinge.</param>
/// <param name="Swap">min(d_an, d_pn) as the negative distance.</param>
/// <param name="Measure">The loss's measure.</param>
internal readonly record struct TripletLossSpec(double Margin, bool SoftMargin, bool Swap, IMeasure Measure);

/// <summary>
/// The ways <c>Losses.TripletMarginLoss</c> evaluates a selection (see its remarks), in the two forms a reducer may ask
/// for: the sum of the per-triplet losses with its counts, or the per-triplet losses themselves.
/// </summary>
internal static class TripletLossKernels
{
    /// <summary>Most triplets a band selection is materialised into for per-triplet values.</summary>
    public const long MaxMaterializedTriplets = 1L << 25;

    /// <summary>Elements of one (anchors × positives × negatives) chunk.</summary>
    private const long ChunkElements = 1L << 22;

    /// <summary>Exactly 0, connected to the graph of the embeddings so backward works and gives zero gradients.</summary>
    private static (Tensor Sum, long Count, long NonZero) EmptySum(Tensor embeddings) => (embeddings.sum().mul(Scalars.Zero), 0, 0);

    /// <summary>No per-triplet value, connected to the graph of the embeddings.</summary>
    private static (Tensor Values, long Count, long NonZero) EmptyValues(Tensor embeddings) => (embeddings.sum().mul(Scalars.Zero).unsqueeze(0).narrow(0, 0, 0), 0, 0);

    /// <summary>
    /// Row-wise measures cost ~T·D elementwise work and keep ~6·T·D values for backward; the matrix route costs two
    /// B×B×D products (BLAS, far faster per operation) and a few B×B passes, and keeps nothing for backward.
    /// </summary>
    private static ExplicitPath ChoosePath(long t, Tensor embeddings)
    {
        var path = EngineSwitches.ExplicitPath;
        long b = embeddings.shape[0], dim = embeddings.shape[1];
        return path != ExplicitPath.Auto ? path : t * dim <= b * b / 2 ? ExplicitPath.Pairwise : ExplicitPath.Matrix;
    }

    /// <summary>Explicit triplets (already validated): the loss sum, from the matrix (closed-form gradient) or row-wise.</summary>
    public static (Tensor Sum, long Count, long NonZero) ExplicitSum(TripletLossSpec loss, Tensor embeddings, Tensor anchors, Tensor positives, Tensor negatives, MatrixCache? cache)
    {
        long t = anchors.shape[0];
        if (t == 0) return EmptySum(embeddings);
        var (a, p, n) = OnDevice(anchors, positives, negatives, embeddings.device);
        var path = ChoosePath(t, embeddings);
        if (path == ExplicitPath.Matrix) return ExplicitFromMatrix(loss, embeddings, a, p, n, cache);
        var perTriplet = PerTriplet(loss, embeddings, a, p, n, path);
        long nonZero = perTriplet.detach().gt(Scalars.Zero).sum().item<long>();
        return (perTriplet.sum(), t, nonZero);
    }

    /// <summary>Explicit triplets (already validated): one loss per triplet, each with its own gradient.</summary>
    public static (Tensor Values, long Count, long NonZero) ExplicitValues(TripletLossSpec loss, Tensor embeddings, Tensor anchors, Tensor positives, Tensor negatives)
    {
        long t = anchors.shape[0];
        if (t == 0) return EmptyValues(embeddings);
        var (a, p, n) = OnDevice(anchors, positives, negatives, embeddings.device);
        var perTriplet = PerTriplet(loss, embeddings, a, p, n, ChoosePath(t, embeddings));
        long nonZero = perTriplet.detach().gt(Scalars.Zero).sum().item<long>();
        return (perTriplet, t, nonZero);
    }

    private static (Tensor A, Tensor P, Tensor N) OnDevice(Tensor anchors, Tensor positives, Tensor negatives, Device device) =>
        (anchors.to(ScalarType.Int64).to(device), positives.to(ScalarType.Int64).to(device), negatives.to(ScalarType.Int64).to(device));

    /// <summary>Per-triplet losses through autograd: row-wise measures, or (<see cref="ExplicitPath.Matrix"/>) gathered from the matrix.</summary>
    private static Tensor PerTriplet(TripletLossSpec loss, Tensor embeddings, Tensor a, Tensor p, Tensor n, ExplicitPath path)
    {
        var dist = loss.Measure;
        Tensor eap, ean;
        Tensor? epn = null;
        if (path == ExplicitPath.Pairwise)
        {
            var x = dist.Prepare(embeddings);
            var xa = x.index_select(0, a);
            var xp = x.index_select(0, p);
            var xn = x.index_select(0, n);
            eap = dist.ToDistanceLike(dist.PairwisePrepared(xa, xp));
            ean = dist.ToDistanceLike(dist.PairwisePrepared(xa, xn));
            if (loss.Swap) epn = dist.ToDistanceLike(dist.PairwisePrepared(xp, xn));
        }
        else
        {
            var e = dist.ToDistanceLike(dist.Matrix(embeddings));
            eap = e.index(new[] { a, p });
            ean = e.index(new[] { a, n });
            if (loss.Swap) epn = e.index(new[] { p, n });
        }
        var negative = epn is null ? ean : torch.minimum(ean, epn);
        var z = eap - negative;
        return loss.SoftMargin ? Softplus(z) : nn.functional.relu(z.add(Scalars.Of(loss.Margin), Scalars.One));
    }

    /// <summary>Many explicit triplets: values from the (cached or no-grad) matrix, gradient in closed form.</summary>
    private static (Tensor Sum, long Count, long NonZero) ExplicitFromMatrix(TripletLossSpec loss, Tensor embeddings, Tensor a, Tensor p, Tensor n, MatrixCache? cache)
    {
        var dist = loss.Measure;
        var prepared = dist.Prepare(embeddings);
        long t = a.shape[0];
        bool wantGrad = NeedsGradient(embeddings); // before no_grad, which would hide it
        Tensor m, grad;
        using (torch.no_grad()) m = cache?.For(dist, embeddings) ?? dist.MatrixPrepared(prepared.detach());
        if (ExplicitKernel.Applies(loss, m))
        {
            // Values and the embedding gradient straight from the triplets: O(T·D), no B×B weights.
            var (sum, active, gx) = ExplicitKernel.Evaluate(loss, m, a, p, n, wantGrad ? prepared.detach() : null);
            return (gx is null ? tensor(sum, dtype: embeddings.dtype, device: embeddings.device) : Connect((prepared * gx).sum(), sum), t, active);
        }
        double value;
        long nonZero;
        using (torch.no_grad())
        {
            var e = dist.ToDistanceLike(m);
            var eap = e.index(new[] { a, p });
            var ean = e.index(new[] { a, n });
            var epn = loss.Swap ? e.index(new[] { p, n }) : null;
            var negative = epn is null ? ean : torch.minimum(ean, epn);
            var z = eap - negative;
            if (!loss.SoftMargin) z = z.add_(Scalars.Of(loss.Margin), Scalars.One);
            var perTriplet = loss.SoftMargin ? Softplus(z) : nn.functional.relu(z);
            value = perTriplet.sum(type: ScalarType.Float64).item<double>();
            nonZero = perTriplet.gt(Scalars.Zero).sum().item<long>();
            var w = loss.SoftMargin ? SoftplusDerivative(z) : z.gt(Scalars.Zero).to(e.dtype);
            grad = zeros_like(e);
            grad.index_put_(w, new[] { a, p }, accumulate: true);
            if (epn is null)
            {
                grad.index_put_(w.neg(), new[] { a, n }, accumulate: true);
            }
            else
            {
                var toAnchor = ean.lt(epn).to(e.dtype).add_(ean.eq(epn).to(e.dtype).mul_(Scalars.Of(0.5)), Scalars.One);
                grad.index_put_((w * toAnchor).neg_(), new[] { a, n }, accumulate: true);
                grad.index_put_((w * toAnchor.neg().add_(Scalars.One, Scalars.One)).neg_(), new[] { p, n }, accumulate: true);
            }
        }
        return (Attach(dist, embeddings, prepared, m, new GradientWeights(grad, false, false), value), t, nonZero);
    }

    /// <summary>
    /// The loss sum over a band selection (every valid triplet for <see cref="DeltaBand.All"/>), measured for selection
    /// with <paramref name="selector"/>. When the loss runs on the miner's own cached matrix with the same measure, the
    /// pass also gives the miner's band statistics: they go to <paramref name="onMinerBand"/> (totals, batch size).
    /// </summary>
    public static (Tensor Sum, long Count, long NonZero) BandSum(TripletLossSpec loss, Tensor embeddings, Tensor labels, DeltaBand band, IMeasure selector, MatrixCache? cache, Action<BandTotals, int>? onMinerBand)
    {
        var table = MatrixCache.TableFor(cache, labels);
        if (!table.HasTriplets) return EmptySum(embeddings);

        var dist = loss.Measure;
        var prepared = dist.Prepare(embeddings);
        bool sameMeasure = selector.SameMeasure(dist);
        Tensor m;
        GradientWeights grad;
        double value;
        long count, active;
        bool wantGrad = NeedsGradient(embeddings); // before no_grad, which would hide it
        using (torch.no_grad())
        {
            var cached = cache?.For(dist, embeddings);
            m = cached ?? dist.MatrixPrepared(prepared.detach());
            grad = new GradientWeights(empty_like(m), wantGrad && (dist.GradientRule?.DivideByValue ?? false), wantGrad && dist.GradientRule is not null);
            if (!loss.SoftMargin && !loss.Swap && sameMeasure)
            {
                var totals = BandMath.Evaluate(m, dist.IsInverted, table, band, loss.Margin, wantGrad ? grad : null);
                if (cached is not null && totals.BandSums is not null) onMinerBand?.Invoke(totals, table.Batch);
                value = totals.SumAnchorPositive - totals.SumAnchorNegative + loss.Margin * totals.ActiveCount;
                count = totals.Count;
                active = totals.ActiveCount;
            }
            else
            {
                grad.Weights.zero_();
                var selection = sameMeasure ? m : cache?.For(selector, embeddings) ?? selector.Matrix(embeddings.detach());
                (value, count, active) = Chunked(loss, dist.ToDistanceLike(m), selector.ToDistanceLike(selection), table.WithTensors(), band, grad.Weights);
            }
        }
        return (Attach(dist, embeddings, prepared, m, grad, value), count, active);
    }

    /// <summary>Per-triplet losses of a band selection: its triplets are materialised (at most <see cref="MaxMaterializedTriplets"/>).</summary>
    /// <exception cref="InvalidOperationException">The band holds more than <see cref="MaxMaterializedTriplets"/> triplets.</exception>
    public static (Tensor Values, long Count, long NonZero) BandValues(TripletLossSpec loss, Tensor embeddings, Tensor labels, DeltaBand band, IMeasure selector, MatrixCache? cache)
    {
        var (a, p, n) = BandTriplets(embeddings, labels, band, selector, cache);
        return ExplicitValues(loss, embeddings, a, p, n);
    }

    /// <summary>The explicit (a, p, n) of a band selection, in (anchor, positive, negative) order (at most <see cref="MaxMaterializedTriplets"/>).</summary>
    /// <exception cref="InvalidOperationException">The band holds more than <see cref="MaxMaterializedTriplets"/> triplets.</exception>
    public static (Tensor A, Tensor P, Tensor N) BandTriplets(Tensor embeddings, Tensor labels, DeltaBand band, IMeasure selector, MatrixCache? cache)
    {
        var table = PairTable.Build(labels);
        if (table.HasTriplets) return Materialize(embeddings, table, band, selector, cache);
        var none = empty(0, dtype: ScalarType.Int64, device: embeddings.device);
        return (none, none.clone(), none.clone());
    }

    /// <summary>d softplus/dz as torch computes it (softplus is linear above its threshold of 20).</summary>
    private static Tensor SoftplusDerivative(Tensor z) => torch.sigmoid(z).masked_fill_(z.gt(Scalars.Of(SoftplusThreshold)), Scalars.One);

    /// <summary>torch's softplus (β = 1, linear above 20) from rooted scalars: <c>functional.softplus</c> makes unrooted ones inside.</summary>
    private static Tensor Softplus(Tensor z)
    {
        var threshold = Scalars.Of(SoftplusThreshold);
        return torch.where(z.gt(threshold), z, z.clamp_max(threshold).exp().log1p());
    }

    private const double SoftplusThreshold = 20;

    private static bool NeedsGradient(Tensor embeddings) => embeddings.requires_grad && torch.is_grad_enabled();

    /// <summary>
    /// A scalar whose value is <paramref name="value"/> and whose gradient is that of Σ G·E, where G = d(loss sum)/dE
    /// (held by <paramref name="grad"/>) and E the distance-like matrix of the prepared embeddings x̂. The embedding
    /// gradient ∂ is computed in closed form now (V·x + Vᵀ·x: two B×B·B×D products) and attached
    /// through s − s.detach() with s = ⟨x̂, ∂⟩, so backward costs O(B·D) and no B×B tensor is kept for it.
    /// </summary>
    private static Tensor Attach(IMeasure dist, Tensor embeddings, Tensor prepared, Tensor matrix, GradientWeights grad, double value)
    {
        if (!NeedsGradient(embeddings))
            return tensor(value, dtype: embeddings.dtype, device: embeddings.device);
        var rule = dist.GradientRule;
        if (rule is null)
        {
            // A measure without a closed form: autograd through its matrix.
            Tensor gm;
            using (torch.no_grad()) gm = dist.IsInverted ? grad.Weights.neg() : grad.Weights;
            return Connect(dist.MatrixPrepared(prepared).reshape(-1).dot(gm.reshape(-1)), value);
        }
        Tensor gx;
        using (torch.no_grad())
        {
            var x = prepared.detach();
            Tensor v = grad.Weights, rows, cols;
            if (grad.Finished && (!rule.Laplacian || grad.RowSums is not null))
            {
                rows = rule.Laplacian ? tensor(grad.RowSums!, dtype: x.dtype, device: x.device).unsqueeze(1) : v;
                cols = rule.Laplacian ? tensor(grad.ColSums!, dtype: x.dtype, device: x.device).unsqueeze(1) : v;
            }
            else
            {
                if (rule.DivideByValue) v = v.div(matrix).masked_fill_(matrix.eq(Scalars.Zero), Scalars.Zero);
                rows = v.sum(1, keepdim: true);
                cols = v.sum(new long[] { 0 }).unsqueeze(1);
            }
            // Two products, not one (V + Vᵀ)·x: that one is faster but rounds differently and would change every
            // trained model's numbers (measured in session 6: the default run's P@1 0.855 → 0.859, MAP@R 0.7444 → 0.7398).
            var vx = v.mm(x).add_(v.t().mm(x), Scalars.One);
            gx = rule.Laplacian ? (x * rows.add(cols, Scalars.One)).sub_(vx) : vx;
            if (rule.Scale != 1.0) gx = gx.mul_(Scalars.Of(rule.Scale));
        }
        return Connect((prepared * gx).sum(), value);
    }

    /// <summary>
    /// A scalar whose value is <paramref name="value"/> and whose gradient is that of <paramref name="s"/> (s − s.detach():
    /// backward flows through s, the value is exact).
    /// </summary>
    private static Tensor Connect(Tensor s, double value)
    {
        using var valueScalar = Scalars.Make(value);
        return (s - s.detach()).add_(valueScalar, Scalars.One);
    }

    /// <summary>
    /// General band loss (soft margin, swap, or a selector measure that differs from the loss's): chunks of anchors against
    /// (their positives × all negatives), accumulating the value and d(loss sum)/dE into <paramref name="grad"/>.
    /// </summary>
    private static (double Value, long Count, long Active) Chunked(TripletLossSpec loss, Tensor e, Tensor m, PairTable table, DeltaBand band, Tensor grad)
    {
        int b = table.Batch, k = Math.Max(table.K, 1);
        long rowsPerChunk = Math.Max(1, ChunkElements / ((long)k * b));
        double value = 0;
        long count = 0, active = 0;
        for (long r0 = 0; r0 < b; r0 += rowsPerChunk)
        {
            using var scope = torch.NewDisposeScope();
            long c = Math.Min(rowsPerChunk, b - r0);
            var posIdx = table.PosIdx.narrow(0, r0, c);
            var selected = Selection(m.narrow(0, r0, c), posIdx, table.PosValid.narrow(0, r0, c), table.NegativeMask(r0, c), band);
            var eRows = e.narrow(0, r0, c);
            var ep = eRows.gather(1, posIdx).unsqueeze(2);
            var en = eRows.unsqueeze(1);
            Tensor? epn = loss.Swap ? e.index_select(0, posIdx.flatten()).view(c, k, b) : null;
            var negative = epn is null ? en : torch.minimum(en, epn);
            var z = ep - negative;
            if (!loss.SoftMargin) z = z.add_(Scalars.Of(loss.Margin), Scalars.One);
            var perTriplet = loss.SoftMargin ? Softplus(z) : nn.functional.relu(z);
            var selectedF = selected.to(e.dtype);
            value += (perTriplet * selectedF).sum(type: ScalarType.Float64).item<double>();
            count += selected.sum().item<long>();
            active += perTriplet.gt(Scalars.Zero).logical_and_(selected).sum().item<long>();

            var w = (loss.SoftMargin ? SoftplusDerivative(z) : z.gt(Scalars.Zero).to(e.dtype)).mul_(selectedF);
            var gRows = grad.narrow(0, r0, c);
            gRows.scatter_add_(1, posIdx, w.sum(2));
            if (epn is null)
            {
                gRows.sub_(w.sum(1));
            }
            else
            {
                // d min(x, y): to the smaller one; ties split evenly, as torch.minimum's backward does.
                var toAnchor = en.lt(epn).to(e.dtype).add_(en.eq(epn).to(e.dtype).mul_(Scalars.Of(0.5)), Scalars.One);
                gRows.sub_((w * toAnchor).sum(1));
                grad.index_add_(0, posIdx.flatten(), (w * toAnchor.neg().add_(Scalars.One, Scalars.One)).view(c * k, b), Scalars.Of(-1.0));
            }
        }
        return (value, count, active);
    }

    /// <summary>c×K×B mask of the selected (a, p, n) for anchors in a chunk, on the selector's distance-like rows.</summary>
    private static Tensor Selection(Tensor mRows, Tensor posIdx, Tensor posValid, Tensor negMask, DeltaBand band)
    {
        var delta = mRows.unsqueeze(1) - mRows.gather(1, posIdx).unsqueeze(2);
        var selected = posValid.unsqueeze(2).logical_and(negMask.unsqueeze(1));
        if (!double.IsNegativeInfinity(band.Low))
            selected = selected.logical_and_(band.LowInclusive ? delta.ge(Scalars.Of(band.Low)) : delta.gt(Scalars.Of(band.Low)));
        if (!double.IsPositiveInfinity(band.High))
            selected = selected.logical_and_(band.HighInclusive ? delta.le(Scalars.Of(band.High)) : delta.lt(Scalars.Of(band.High)));
        return selected;
    }

    /// <summary>Explicit (a, p, n) of a band in (anchor, positive, negative) order, for per-triplet values.</summary>
    private static (Tensor A, Tensor P, Tensor N) Materialize(Tensor embeddings, PairTable table, DeltaBand band, IMeasure selector, MatrixCache? cache)
    {
        using var noGrad = torch.no_grad();
        var raw = cache?.For(selector, embeddings) ?? selector.Matrix(embeddings.detach());
        long total = BandMath.Evaluate(raw, selector.IsInverted, table, band, null, null).Count;
        var m = selector.ToDistanceLike(raw);
        if (total > MaxMaterializedTriplets)
            throw new InvalidOperationException(
                $"NoReducer would materialise {total:N0} triplets (limit {MaxMaterializedTriplets:N0}); " +
                "use a reducing reducer (avg-nonzero, mean, sum) or a miner that selects fewer triplets.");
        int b = table.Batch, k = Math.Max(table.K, 1);
        long rowsPerChunk = Math.Max(1, ChunkElements / ((long)k * b));
        var anchors = new List<Tensor>();
        var positives = new List<Tensor>();
        var negatives = new List<Tensor>();
        for (long r0 = 0; r0 < b; r0 += rowsPerChunk)
        {
            long c = Math.Min(rowsPerChunk, b - r0);
            var posIdx = table.PosIdx.narrow(0, r0, c);
            var found = Selection(m.narrow(0, r0, c), posIdx, table.PosValid.narrow(0, r0, c), table.NegativeMask(r0, c), band).nonzero();
            var rows = found[.., 0];
            using (var first = Scalars.Make(r0)) anchors.Add(rows.add(first, Scalars.I1));
            positives.Add(posIdx.index(new[] { rows, found[.., 1] }));
            negatives.Add(found[.., 2]);
        }
        return (cat(anchors, 0), cat(positives, 0), cat(negatives, 0));
    }
}
