using System.Diagnostics;
using TripletSharp.Distances;
using TripletSharp.Engine;
using TripletSharp.Losses;
using TripletSharp.Mining;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Losses;

/// <summary>Cross-batch memory: the loss against a reference set and its gradient vs a plain double-precision loop.</summary>
public class CrossBatchMemoryTests
{
    private const double Margin = 0.3;

    public static TheoryData<string> Miners() => new() { "semihard", "hard", "batch-all", "batch-all-violating", "batch-hard", "none" };

    private static BaseMiner? Miner(string name) => name switch
    {
        "semihard" => new SemiHardMiner(Margin),
        "hard" => new HardNegativeMiner(),
        "batch-all" => new BatchAllMiner(),
        "batch-all-violating" => new BatchAllMiner(onlyViolating: true, margin: Margin),
        "batch-hard" => new BatchHardMiner(),
        _ => null,
    };

    private static double Dist(double[] u, double[] v)
    {
        double s = 0;
        for (int i = 0; i < u.Length; i++) s += (u[i] - v[i]) * (u[i] - v[i]);
        return Math.Sqrt(s);
    }

    /// <summary>The selected triplets (a, p, n) over the batch followed by the memory, by the miner's rule, in plain loops.</summary>
    private static List<(int A, int P, int N)> RefTriplets(string miner, double[][] x, long[] y, double[][] mem, long[] my)
    {
        var r = x.Concat(mem).ToArray();
        var ry = y.Concat(my).ToArray();
        var list = new List<(int, int, int)>();
        for (int a = 0; a < x.Length; a++)
        {
            if (miner == "batch-hard")
            {
                int hp = -1, hn = -1;
                double dp = double.NegativeInfinity, dn = double.PositiveInfinity;
                for (int j = 0; j < r.Length; j++)
                {
                    double d = Dist(x[a], r[j]);
                    if (ry[j] == y[a] && j != a && d > dp) { dp = d; hp = j; }
                    if (ry[j] != y[a] && d < dn) { dn = d; hn = j; }
                }
                if (hp >= 0 && hn >= 0) list.Add((a, hp, hn));
                continue;
            }
            for (int p = 0; p < r.Length; p++)
            {
                if (ry[p] != y[a] || p == a) continue;
                for (int n = 0; n < r.Length; n++)
                {
                    if (ry[n] == y[a]) continue;
                    double delta = Dist(x[a], r[n]) - Dist(x[a], r[p]);
                    bool keep = miner switch
                    {
                        "semihard" => delta > 0 && delta <= Margin,
                        "hard" => delta < 0,
                        "batch-all-violating" => delta < Margin,
                        _ => true,
                    };
                    if (keep) list.Add((a, p, n));
                }
            }
        }
        return list;
    }

    /// <summary>avg-nonzero hinge over the triplets, and its gradient with respect to the batch rows (the memory is constant).</summary>
    private static (double Loss, double[][] Grad) RefLoss(List<(int A, int P, int N)> triplets, double[][] x, double[][] mem)
    {
        var r = x.Concat(mem).ToArray();
        var grad = x.Select(row => new double[row.Length]).ToArray();
        double sum = 0;
        int active = 0;
        void Add(int i, int j, double w)
        {
            // ∂d(x_i, r_j): (x_i − r_j)/d into x_i, and into x_j when r_j is a batch row; 0 for coincident points.
            double d = Dist(x[i], r[j]);
            if (d == 0) return;
            for (int k = 0; k < x[i].Length; k++)
            {
                double g = w * (x[i][k] - r[j][k]) / d;
                grad[i][k] += g;
                if (j < x.Length) grad[j][k] -= g;
            }
        }
        foreach (var (a, p, n) in triplets)
        {
            double l = Dist(x[a], r[p]) - Dist(x[a], r[n]) + Margin;
            if (l <= 0) continue;
            sum += l;
            active++;
            Add(a, p, 1);
            Add(a, n, -1);
        }
        if (active == 0) return (0, grad);
        foreach (var row in grad) for (int k = 0; k < row.Length; k++) row[k] /= active;
        return (sum / active, grad);
    }

    private static double[][] Rows(Random rng, int n, int d, double scale = 1) =>
        Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => scale * (rng.NextDouble() * 2 - 1)).ToArray()).ToArray();

    private static Tensor T(double[][] rows, int d) => rows.Length == 0 ? zeros(0, d, dtype: ScalarType.Float64) : tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, d }, dtype: ScalarType.Float64);

    /// <summary>Loss and gradient of the engine against memory vs the loop, on the CPU loop and on the torch-ops path.</summary>
    private static void Check(string minerName, double[][] x, long[] y, double[][] mem, long[] my, string what)
    {
        try
        {
            foreach (var torchOnly in new[] { false, true })
            {
                EngineSwitches.TorchOnly = torchOnly;
                CheckOnce(minerName, x, y, mem, my, $"{what} torchOnly={torchOnly}");
            }
        }
        finally
        {
            EngineSwitches.TorchOnly = false;
        }
    }

    private static void CheckOnce(string minerName, double[][] x, long[] y, double[][] mem, long[] my, string what)
    {
        int d = x[0].Length;
        using var scope = NewDisposeScope();
        var xt = T(x, d).requires_grad_(true);
        var references = new ReferenceSet(T(mem, d), tensor(my));
        var loss = new TripletMarginLoss(Margin, distance: new EuclideanDistance());
        var miner = Miner(minerName);
        using var mined = miner?.Mine(xt, tensor(y), references);
        var output = loss.ComputeWithReferences(xt, tensor(y), references, mined);
        output.Loss.backward();
        var triplets = RefTriplets(minerName, x, y, mem, my);
        var (refLoss, refGrad) = RefLoss(triplets, x, mem);
        Assert.True(Math.Abs(refLoss - output.Loss.item<double>()) < 1e-9, $"{what} {minerName}: loss {output.Loss.item<double>()} vs {refLoss}");
        Assert.Equal(triplets.Count, output.TripletCount);
        var g = xt.grad!;
        for (int i = 0; i < x.Length; i++)
            for (int k = 0; k < d; k++)
                Assert.True(Math.Abs(g[i, k].item<double>() - refGrad[i][k]) < 1e-9, $"{what} {minerName}: grad[{i},{k}] {g[i, k].item<double>()} vs {refGrad[i][k]}");
        if (mined is not null)
        {
            // Read before any loss ran (computed on first read from the miner's kept matrix) and supplied by the loss's
            // pass: the same statistics.
            using var minedAlone = miner!.Mine(xt, tensor(y), references);
            var alone = minedAlone.Stats;
            SameStats(alone, mined.Stats, $"{what} {minerName}: stats read first vs supplied by the loss");
            // Without a gradient the loss reuses the miner's A×R matrix: the same value.
            using (no_grad())
            {
                using var minedNoGrad = miner.Mine(xt, tensor(y), references);
                var value = loss.ComputeWithReferences(xt.detach(), tensor(y), references, minedNoGrad).Loss.item<double>();
                Assert.True(Math.Abs(refLoss - value) < 1e-9, $"{what} {minerName}: no-grad loss {value} vs {refLoss}");
                SameStats(alone, minedNoGrad.Stats, $"{what} {minerName}: stats without a gradient");
            }
            Assert.Equal(triplets.Count, mined.Stats.TripletCount);
            if (triplets.Count > 0)
            {
                var r = x.Concat(mem).ToArray();
                double ap = triplets.Average(t => Dist(x[t.A], r[t.P]));
                Assert.True(Math.Abs(ap - mined.Stats.MeanAnchorPositive) < 1e-9, $"{what} {minerName}: mean d_ap");
            }
        }
    }

    /// <summary>Equal counts; means equal up to the summation order (batch-all's first read sums in closed form), or both NaN.</summary>
    private static void SameStats(MiningStats a, MiningStats b, string what)
    {
        Assert.Equal(a.TripletCount, b.TripletCount);
        Assert.Equal(a.AnchorFraction, b.AnchorFraction);
        Assert.True(Close(a.MeanAnchorPositive, b.MeanAnchorPositive), $"{what}: mean d_ap {a.MeanAnchorPositive} vs {b.MeanAnchorPositive}");
        Assert.True(Close(a.MeanAnchorNegative, b.MeanAnchorNegative), $"{what}: mean d_an {a.MeanAnchorNegative} vs {b.MeanAnchorNegative}");
        static bool Close(double u, double v) => u.Equals(v) || Math.Abs(u - v) <= 1e-12 * Math.Max(1, Math.Abs(u)); // NaN: no triplet
    }

    [Theory]
    [MemberData(nameof(Miners))]
    public void LossAndGradientMatchLoop(string miner)
    {
        var rng = new Random(5);
        var x = Rows(rng, 12, 3);
        long[] y = [0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 4];
        var mem = Rows(rng, 20, 3);
        long[] my = Enumerable.Range(0, 20).Select(i => (long)(i % 6)).ToArray(); // class 5 only in memory, 4 lone in the batch
        Check(miner, x, y, mem, my, "random");
    }

    [Theory]
    [MemberData(nameof(Miners))]
    public void TiesDuplicatesAndLoneClassesMatchLoop(string miner)
    {
        // Coordinates on a coarse grid give many equal distances; the memory holds exact copies of batch rows
        // (an item seen in an earlier batch), which are ordinary references (distance 0 to their twin).
        var rng = new Random(7);
        var x = Enumerable.Range(0, 10).Select(_ => new double[] { rng.Next(3), rng.Next(3) }).ToArray();
        long[] y = [0, 0, 1, 1, 1, 2, 2, 3, 3, 9];
        var mem = new[] { x[0], x[3], x[9], x[5], new double[] { 1, 1 }, new double[] { 2, 0 } }.Select(r => (double[])r.Clone()).ToArray();
        long[] my = [0, 1, 9, 2, 7, 0];
        Check(miner, x, y, mem, my, "ties");
    }

    [Theory]
    [MemberData(nameof(Miners))]
    public void OneClassBatchFindsNegativesOnlyInMemory(string miner)
    {
        var rng = new Random(9);
        var x = Rows(rng, 6, 4);
        long[] y = [3, 3, 3, 3, 3, 3];
        var mem = Rows(rng, 8, 4);
        long[] my = [3, 1, 1, 2, 3, 0, 2, 1];
        Check(miner, x, y, mem, my, "one-class");
        // And a batch of lone classes with no partner anywhere: no triplet, zero loss, zero gradient.
        Check(miner, Rows(rng, 3, 4), [10, 11, 12], mem, my, "lone");
    }

    [Theory]
    [MemberData(nameof(Miners))]
    public void EmptyReferenceSetEqualsBatchLoss(string minerName)
    {
        var rng = new Random(11);
        var x = Rows(rng, 14, 5);
        long[] y = [0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4];
        using var scope = NewDisposeScope();
        var loss = new TripletMarginLoss(Margin, distance: new EuclideanDistance());
        var a = T(x, 5).requires_grad_(true);
        using var minedA = Miner(minerName)?.Mine(a, tensor(y));
        var plain = loss.ComputeDetailed(a, tensor(y), minedA);
        plain.Loss.backward();
        var b = T(x, 5).requires_grad_(true);
        var refs = new ReferenceSet(zeros(0, 5, dtype: ScalarType.Float64), zeros(0, dtype: ScalarType.Int64));
        using var minedB = Miner(minerName)?.Mine(b, tensor(y), refs);
        var withRefs = loss.ComputeWithReferences(b, tensor(y), refs, minedB);
        withRefs.Loss.backward();
        Assert.Equal(plain.TripletCount, withRefs.TripletCount);
        Assert.Equal(plain.ActiveTripletCount, withRefs.ActiveTripletCount);
        Assert.True(Math.Abs(plain.Loss.item<double>() - withRefs.Loss.item<double>()) < 1e-12);
        Assert.True((a.grad! - b.grad!).abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void WarmupAndEmptyMemoryAreBitIdenticalToTheWrappedLoss()
    {
        var rng = new Random(13);
        long[] y = [0, 0, 1, 1, 2, 2, 3, 3];
        var batches = Enumerable.Range(0, 4).Select(_ => Rows(rng, 8, 4)).ToArray();
        var loss = new TripletMarginLoss(Margin);
        var miner = new SemiHardMiner(Margin);
        using var memory = new CrossBatchMemory(loss, miner, memorySize: 16, warmupBatches: 2);
        for (int i = 0; i < 4; i++)
        {
            using var scope = NewDisposeScope();
            var xa = T(batches[i], 4).to(ScalarType.Float32).requires_grad_(true);
            var xb = T(batches[i], 4).to(ScalarType.Float32).requires_grad_(true);
            bool active = memory.Active;
            Assert.Equal(i >= 2, active);
            var wrapped = memory.ComputeDetailed(xa, tensor(y));
            wrapped.Loss.backward();
            using var mined = miner.Mine(xb, tensor(y));
            var plain = loss.ComputeDetailed(xb, tensor(y), mined);
            plain.Loss.backward();
            if (!active)
            {
                Assert.Equal(plain.Loss.item<float>(), wrapped.Loss.item<float>());
                Assert.True(xa.grad!.eq(xb.grad!).all().item<bool>(), $"batch {i}: gradients differ bitwise during warm-up");
            }
            else
            {
                Assert.True(wrapped.TripletCount > plain.TripletCount, "the memory adds candidates");
            }
        }
        Assert.Equal(16, memory.Count);
        Assert.Equal(0, memory.NextSlot);
    }

    [Fact]
    public void RingBufferWrapsAroundAndTheLossUsesItsContent()
    {
        var rng = new Random(17);
        int d = 3;
        var loss = new TripletMarginLoss(Margin);
        using var memory = new CrossBatchMemory(loss, new SemiHardMiner(Margin), memorySize: 7);
        var stored = new List<(double[] Row, long Label)>();
        for (int step = 0; step < 4; step++)
        {
            var x = Rows(rng, 5, d);
            long[] y = Enumerable.Range(0, 5).Select(i => (long)((i + step) % 3)).ToArray();
            // Expected memory before this step: the last ≤ 7 rows, in ring-slot order.
            var expected = new (double[] Row, long Label)[Math.Min(7, stored.Count)];
            for (int i = 0; i < stored.Count; i++) expected[i % 7] = stored[i];
            var (snapE, snapL) = memory.Snapshot();
            Assert.Equal(expected.Length, (int)snapE.shape[0]);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i].Label, snapL[i].item<long>());
                for (int k = 0; k < d; k++) Assert.Equal(expected[i].Row[k], snapE[i, k].item<double>(), 12);
            }
            using var scope = NewDisposeScope();
            var xt = T(x, d).requires_grad_(true);
            var output = memory.ComputeDetailed(xt, tensor(y));
            output.Loss.backward();
            var mem = expected.Select(e => e.Row).ToArray();
            var my = expected.Select(e => e.Label).ToArray();
            var (refLoss, refGrad) = RefLoss(RefTriplets("semihard", x, y, mem, my), x, mem);
            Assert.True(Math.Abs(refLoss - output.Loss.item<double>()) < 1e-9, $"step {step}");
            for (int i = 0; i < 5; i++)
                for (int k = 0; k < d; k++) Assert.True(Math.Abs(refGrad[i][k] - xt.grad![i, k].item<double>()) < 1e-9);
            for (int i = 0; i < 5; i++) stored.Add((x[i], y[i]));
        }
        Assert.Equal(20 % 7, memory.NextSlot);
    }

    [Fact]
    public void UnsupportedCombinationsAreRefusedClearly()
    {
        var loss = new TripletMarginLoss(Margin);
        foreach (BaseMiner m in new BaseMiner[] { new FaceNetSemiHardMiner(), new RandomTripletMiner(), new DistanceWeightedMiner() })
        {
            var e = Assert.Throws<NotSupportedException>(() => new CrossBatchMemory(loss, m, 8));
            Assert.Contains(m.Name, e.Message);
        }
        using var scope = NewDisposeScope();
        var x = randn(6, 3);
        var y = tensor(new long[] { 0, 0, 1, 1, 2, 2 });
        var refs = new ReferenceSet(randn(4, 3), tensor(new long[] { 0, 1, 2, 3 }));
        Assert.Throws<NotSupportedException>(() => new TripletMarginLoss(Margin, swap: true).ComputeWithReferences(x, y, refs));
        Assert.Throws<NotSupportedException>(() => new TripletMarginLoss(softMargin: true).ComputeWithReferences(x, y, refs, new SemiHardMiner().Mine(x, y, refs)));
        // Soft margin on explicit triplets is fine.
        Assert.True(new TripletMarginLoss(softMargin: true).ComputeWithReferences(x, y, refs, new BatchHardMiner().Mine(x, y, refs)).TripletCount > 0);
        var other = new ReferenceSet(randn(4, 3), tensor(new long[] { 0, 1, 2, 3 }));
        Assert.Throws<ArgumentException>(() => loss.ComputeWithReferences(x, y, other, new SemiHardMiner().Mine(x, y, refs)));
        Assert.Throws<ArgumentException>(() => loss.ComputeWithReferences(x, y, new ReferenceSet(randn(4, 5), tensor(new long[] { 0, 1, 2, 3 }))));
    }

    /// <summary>
    /// O(B·M) memory: B = 32 against M = 60,000 references. A B×(B+M)² tensor would be 1.2·10¹¹ floats (460 GB) and the
    /// band's triplets (≈ 10¹⁰) could not be listed either; the call must complete with the process growing by far less
    /// than 1 GB (the B×(B+M) matrix is 7.7 MB).
    /// </summary>
    [Fact]
    public void MemoryIsLinearInTheMemorySize()
    {
        manual_seed(3);
        int b = 32, m = 60_000, d = 16;
        using var scope = NewDisposeScope();
        var x = randn(b, d).requires_grad_(true);
        var y = arange(b, dtype: ScalarType.Int64).remainder(8L);
        var refs = new ReferenceSet(randn(m, d), arange(m, dtype: ScalarType.Int64).remainder(10L));
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        long before = process.WorkingSet64;
        var loss = new TripletMarginLoss(Margin);
        foreach (var miner in new BaseMiner?[] { new SemiHardMiner(Margin), new BatchAllMiner(), new BatchHardMiner(), null })
        {
            using var inner = NewDisposeScope();
            using var mined = miner?.Mine(x, y, refs);
            var output = loss.ComputeWithReferences(x, y, refs, mined);
            output.Loss.backward();
            Assert.True(output.TripletCount > 0);
            process.Refresh();
            long grown = process.PeakWorkingSet64 - before;
            Assert.True(grown < 1L << 30, $"{miner?.Name ?? "all"}: the process grew by {grown / (1 << 20)} MiB");
        }
    }
}
