using System.Diagnostics;
using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Recommendation;

/// <summary>
/// Collaborative Metric Learning (Hsieh et al., WWW 2017): a vector per user and per item, trained so that a user is
/// nearer to the items they liked than to others by a margin — the triplet hinge
/// max(0, m + d²(u, p) − d²(u, n)) over (user, positive item, negative item) with the hardest of the drawn negatives —
/// and every vector kept in the unit ball (rows longer than 1 are scaled back after each step). Adam, mean over the
/// batch. With item features the item table is an MLP tower over the features plus an id embedding per item, each
/// row dropping its id embedding with a probability (<see cref="ItemTowerOptions"/>). Deterministic for a seed and
/// thread count: the initialisation, the pair order, the negatives and the id-dropout draws come from
/// <see cref="Random"/> seeded by <see cref="CmlOptions.Seed"/>.
/// </summary>
/// <remarks>
/// The image <c>Trainer</c> is not reused: its batches are P×K class-balanced items through a network, its miners and
/// evaluation need class labels. Here a batch is (user, item) pairs over two embedding tables; what is shared is the
/// run folder, the k-NN (<c>ExactKnn</c>, <c>EmbeddingIndex</c>) and the evaluation conventions.
/// </remarks>
public sealed class CmlTrainer
{
    private readonly CmlOptions _options;

    /// <summary>Creates the trainer.</summary>
    public CmlTrainer(CmlOptions options)
    {
        Guard.NotNull(options, nameof(options));
        options.Validate();
        _options = options;
    }

    /// <summary>Raised after every epoch.</summary>
    public event EventHandler<CmlEpoch>? EpochCompleted;

    /// <summary>
    /// Raised after every complete epoch with the full training state (vectors, Adam state), so that a run can write
    /// a checkpoint; the state is only built when someone listens.
    /// </summary>
    public event EventHandler<CmlTrainingState>? StateAvailable;

    /// <summary>Trains on the split's training positives; stops early (returning the model so far) when <paramref name="cancellationToken"/> fires.</summary>
    public CmlModel Fit(InteractionsSplit split, CancellationToken cancellationToken = default) => Fit(split, null, cancellationToken);

    /// <summary>
    /// Trains on the split's training positives, continuing from <paramref name="resume"/> (the state after a complete
    /// epoch) when given: the result is bit-identical to an uninterrupted run for the same seed and thread count,
    /// because the random draws of the finished epochs are replayed (they never depend on the vectors) and the vectors
    /// and Adam's moments are restored exactly. Stops early (returning the model so far) when
    /// <paramref name="cancellationToken"/> fires.
    /// </summary>
    public CmlModel Fit(InteractionsSplit split, CmlTrainingState? resume, CancellationToken cancellationToken = default) => Fit(split, null, resume, cancellationToken);

    /// <summary>
    /// Trains as <see cref="Fit(InteractionsSplit, CmlTrainingState?, CancellationToken)"/>; with
    /// <paramref name="itemFeatures"/> an item's vector is the tower of its features plus an id embedding
    /// (<see cref="CmlOptions.ItemTower"/>), saved with the model so that items never seen in training can be placed
    /// (<see cref="CmlModel.EmbedItems"/>). A resumed run with item features is bit-identical to an uninterrupted one
    /// too: the tower's weights, the id embeddings and their Adam moments are in the state, and the id-dropout draws are
    /// replayed with the others.
    /// </summary>
    /// <exception cref="ArgumentException">The split has no training positives, or <paramref name="resume"/> does not fit this run (other sizes, an item tower where none is trained or the reverse).</exception>
    public CmlModel Fit(InteractionsSplit split, ItemFeatures? itemFeatures, CmlTrainingState? resume, CancellationToken cancellationToken = default)
    {
        Guard.NotNull(split, nameof(split));
        var o = _options;
        var data = split.Data;
        int nu = data.UserCount, ni = data.ItemCount, d = o.EmbeddingDim;
        var pairs = new List<(int User, int Item)>();
        for (int u = 0; u < nu; u++)
            foreach (int i in split.TrainPositives[u]) pairs.Add((u, i));
        if (pairs.Count == 0) throw new ArgumentException("the split has no training positives; check --positive-threshold and the rating column.", nameof(split));
        if (resume is not null)
        {
            if ((resume.Tower is null) != (itemFeatures is null))
                throw new ArgumentException(itemFeatures is null ? "the state to resume has an item tower; this run has no item features." : "the state to resume has no item tower; this run has item features.", nameof(resume));
            if (resume.UserVectors.Length != (long)nu * d || (itemFeatures is null && resume.ItemVectors.Length != (long)ni * d))
                throw new ArgumentException($"the state to resume holds other vectors than {nu} users and {ni} items of dimension {d}.", nameof(resume));
            if (resume.Epoch < 0 || resume.Epoch > o.Epochs)
                throw new ArgumentException($"the state to resume is after epoch {resume.Epoch}; this run has {o.Epochs} epochs.", nameof(resume));
        }
        var positiveSets = split.TrainPositives.Select(p => p.ToHashSet()).ToArray();
        var popularity = o.Negatives == NegativeSampling.Popularity ? Cumulative(split.TrainPositives, ni) : null;

        NativeLibraries.EnsureLoaded();
        if (o.Threads is { } threads && get_num_threads() != threads) set_num_threads(threads);
        var random = new Random(o.Seed);
        var initialUsers = Initial(random, nu, d);
        // With item features the tower's initial weights are the next draws (made on resume too: they are part of the stream).
        using var features = itemFeatures is null ? null : new ItemFeatureTable(itemFeatures, data.ItemIds, d, o.ItemTower ?? new ItemTowerOptions(), random);
        var initialItems = features is null ? Initial(random, ni, d) : null;
        using var users = new TorchSharp.Modules.Parameter(tensor(resume?.UserVectors ?? initialUsers, new long[] { nu, d }));
        using var items = features is null ? new TorchSharp.Modules.Parameter(tensor(resume?.ItemVectors ?? initialItems!, new long[] { ni, d })) : null;
        if (resume is null)
        {
            ClipToUnitBall(users);
            if (items is not null) ClipToUnitBall(items);
        }
        else if (features is not null) features.Restore(resume.Tower!, resume.ItemVectors);
        using var optimizer = optim.Adam(features is null ? new[] { users, items! } : features.Parameters.Prepend(users), o.LearningRate);
        if (resume is not null) LoadOptimizer(optimizer, resume.Optimizer);
        Tensor ItemRows(long[] index, float[]? keep) => features is null ? items!.index_select(0, tensor(index)) : features.Rows(index, keep);
        var margin = Scalars.Of(o.Margin);
        var order = Enumerable.Range(0, pairs.Count).ToArray();
        int first = (resume?.Epoch ?? 0) + 1;
        for (int epoch = 1; epoch < first; epoch++)
        {
            // Replay of a finished epoch: the same draws, no arithmetic.
            random.Shuffle(order);
            for (int start = 0; start < order.Length; start += o.BatchSize)
                DrawBatch(random, pairs, order, start, Math.Min(o.BatchSize, order.Length - start), positiveSets, ni, popularity, features);
        }
        for (int epoch = first; epoch <= o.Epochs && !cancellationToken.IsCancellationRequested; epoch++)
        {
            var watch = Stopwatch.StartNew();
            random.Shuffle(order);
            double lossSum = 0, active = 0;
            int batches = 0;
            bool complete = true;
            for (int start = 0; start < order.Length; start += o.BatchSize)
            {
                if (cancellationToken.IsCancellationRequested) { complete = false; break; }
                using var scope = NewDisposeScope();
                int b = Math.Min(o.BatchSize, order.Length - start);
                var bu = new long[b];
                var bp = new long[b];
                for (int x = 0; x < b; x++) (bu[x], bp[x]) = pairs[order[start + x]];
                var draws = DrawBatch(random, pairs, order, start, b, positiveSets, ni, popularity, features);
                var u = users.index_select(0, tensor(bu));
                var p = ItemRows(bp, draws.KeepPositives);
                var diff = u.sub(p);
                var dap = diff.mul(diff).sum(1);
                Tensor dan;
                Tensor? weight = null;
                if (o.Negatives == NegativeSampling.InBatchHard)
                {
                    // d²(u_x, p_y) for every pair of the batch; a column that is one of u_x's positives is no negative.
                    var mask = new bool[(long)b * b];
                    var columns = new Dictionary<int, List<int>>();
                    for (int y = 0; y < b; y++)
                    {
                        if (!columns.TryGetValue((int)bp[y], out var list)) columns[(int)bp[y]] = list = [];
                        list.Add(y);
                    }
                    for (int x = 0; x < b; x++)
                        foreach (int item in split.TrainPositives[bu[x]])
                            if (columns.TryGetValue(item, out var ys))
                                foreach (int y in ys) mask[(long)x * b + y] = true;
                    var all = u.mul(u).sum(1, keepdim: true).add(p.mul(p).sum(1).unsqueeze(0), Scalars.One).sub(u.mm(p.t()).mul(Scalars.Two)).clamp_min(Scalars.Zero);
                    dan = all.masked_fill(tensor(mask, new long[] { b, b }), Scalars.PositiveInfinity).min(1).values;
                }
                else
                {
                    int k = o.NegativesPerPositive;
                    var n = ItemRows(draws.Negatives!, draws.KeepNegatives).reshape(b, k, d);
                    var dn = u.unsqueeze(1).sub(n);
                    var all = dn.mul(dn).sum(2);
                    dan = all.min(1).values;
                    if (o.RankWeighted)
                    {
                        // CML's WARP weight: rank ≈ items × (violating negatives / drawn negatives), weight log(1 + rank).
                        using var noGrad = no_grad();
                        var violating = all.lt(dap.add(margin, Scalars.One).unsqueeze(1)).sum(1).to(ScalarType.Float32);
                        weight = violating.mul(Scalars.Of((double)ni / k)).log1p();
                    }
                }
                var hinge = nn.functional.relu(dap.sub(dan).add(margin, Scalars.One));
                var loss = (weight is null ? hinge : hinge.mul(weight)).mean();
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                ClipToUnitBall(users);
                if (items is not null) ClipToUnitBall(items);
                lossSum += loss.item<float>();
                active += hinge.gt(Scalars.Zero).sum().item<long>();
                batches++;
            }
            EpochCompleted?.Invoke(this, new CmlEpoch(epoch, o.Epochs, batches == 0 ? double.NaN : lossSum / batches, active / pairs.Count, watch.Elapsed.TotalSeconds));
            if (complete && StateAvailable is { } listener)
                listener(this, new CmlTrainingState(epoch, Values(users), features is null ? Values(items!) : features.IdVectors(), SaveOptimizer(optimizer), features?.TowerWeights()));
        }
        return new CmlModel(data.UserIds, data.ItemIds, Values(users), features is null ? Values(items!) : features.Vectors(), d, split.Seen, features?.Saved());
    }

    /// <summary>The random draws of one batch, in this order: its negatives (uniform, popularity), then with id embeddings which positives and which negatives keep theirs.</summary>
    private readonly record struct BatchDraws(long[]? Negatives, float[]? KeepPositives, float[]? KeepNegatives);

    /// <summary>
    /// Every draw of one batch (<see cref="BatchDraws"/>), made the same way when training and when replaying a finished
    /// epoch on resume: none of them depends on the weights.
    /// </summary>
    private BatchDraws DrawBatch(Random random, List<(int User, int Item)> pairs, int[] order, int start, int b, HashSet<int>[] positiveSets, int itemCount, double[]? popularity, ItemFeatureTable? features)
    {
        var negatives = _options.Negatives == NegativeSampling.InBatchHard ? null : DrawNegatives(random, pairs, order, start, b, positiveSets, itemCount, popularity);
        var keepPositives = features?.DrawKeep(random, b);
        var keepNegatives = negatives is null ? null : features?.DrawKeep(random, negatives.Length);
        return new BatchDraws(negatives, keepPositives, keepNegatives);
    }

    /// <summary>The negatives of one batch (k per pair, row-major), uniform or by popularity: the first draws of a batch (<see cref="DrawBatch"/>).</summary>
    private long[] DrawNegatives(Random random, List<(int User, int Item)> pairs, int[] order, int start, int b, HashSet<int>[] positiveSets, int itemCount, double[]? popularity)
    {
        int k = _options.NegativesPerPositive;
        var negatives = new long[(long)b * k];
        for (int x = 0; x < b; x++)
        {
            var positives = positiveSets[pairs[order[start + x]].User];
            for (int j = 0; j < k; j++) negatives[(long)x * k + j] = Negative(random, positives, itemCount, popularity);
        }
        return negatives;
    }

    private static float[] Values(Tensor table) => table.detach().contiguous().data<float>().ToArray();

    private static byte[] SaveOptimizer(TorchSharp.Modules.OptimizerHelper optimizer)
    {
        using var ms = new MemoryStream();
        using (var writer = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) optimizer.save_state_dict(writer);
        return ms.ToArray();
    }

    private static void LoadOptimizer(TorchSharp.Modules.OptimizerHelper optimizer, byte[] bytes)
    {
        using var ms = new MemoryStream(bytes, writable: false);
        using var reader = new BinaryReader(ms);
        optimizer.load_state_dict(reader);
    }

    /// <summary>Gaussian rows with standard deviation 1/√d (norm about 1), from the seeded <see cref="Random"/> (Box–Muller).</summary>
    private static float[] Initial(Random random, int rows, int d)
    {
        var values = new float[(long)rows * d];
        double scale = 1.0 / Math.Sqrt(d);
        for (long x = 0; x < values.Length; x++)
        {
            double a = 1.0 - random.NextDouble(), b = random.NextDouble();
            values[x] = (float)(scale * Math.Sqrt(-2 * Math.Log(a)) * Math.Cos(2 * Math.PI * b));
        }
        return values;
    }

    /// <summary>Scales every row longer than 1 back onto the unit sphere (CML's constraint ‖·‖ ≤ 1).</summary>
    private static void ClipToUnitBall(Tensor table)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var norms = table.mul(table).sum(1, keepdim: true).sqrt().clamp_min(Scalars.One);
        table.div_(norms);
    }

    /// <summary>A negative: uniform, or by popularity (binary search in the cumulative counts); never one of the user's training positives.</summary>
    private static long Negative(Random random, HashSet<int> positives, int itemCount, double[]? cumulative)
    {
        for (int attempt = 0; ; attempt++)
        {
            int i;
            if (cumulative is null) i = random.Next(itemCount);
            else
            {
                double r = random.NextDouble() * cumulative[^1];
                i = Array.BinarySearch(cumulative, r);
                i = i < 0 ? ~i : i + 1;
                i = Math.Min(i, itemCount - 1);
            }
            if (!positives.Contains(i) || attempt >= 50) return i;
        }
    }

    private static double[] Cumulative(int[][] trainPositives, int itemCount)
    {
        var counts = new double[itemCount];
        foreach (var items in trainPositives)
            foreach (int i in items) counts[i]++;
        for (int i = 1; i < itemCount; i++) counts[i] += counts[i - 1];
        return counts;
    }
}
