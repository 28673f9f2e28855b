using System.Text;
using TripletSharp.Distances;
using TripletSharp.Engine;
using TripletSharp.Losses;
using TripletSharp.Mining;
using TripletSharp.Tests.Reference;
using static TorchSharp.torch;

namespace TripletSharp.Tests.MultiLabel;

/// <summary>
/// The match-matrix path of every miner and of the triplet loss: against the double-precision loop reference on
/// multi-label batches (ties, an item sharing no label with anyone, an item holding every label), and against the
/// single-label fast path on the same batches given as a match matrix.
/// </summary>
public class MultiLabelMiningTests
{
    /// <summary>Multi-label batches: each item keeps its class, some gain a second label, item 0 holds every label.</summary>
    public static IEnumerable<(Batch Batch, long[][] Sets)> Batches()
    {
        foreach (var batch in new[] { TestData.Gaussian(11, 20, 4, 4, duplicates: 5, lone: 1), TestData.Grid(12, 18, 3, 4), TestData.Gaussian(13, 9, 3, 2) })
        {
            var r = new Random(batch.B);
            var all = batch.Labels.Distinct().ToArray();
            var sets = batch.Labels.Select(l => r.NextDouble() < 0.4 ? new[] { l, (long)r.Next(4) }.Distinct().ToArray() : new[] { l }).ToArray();
            sets[0] = all.Where(l => l < 1000).ToArray();
            yield return (batch, sets);
        }
    }

    internal static bool[,] MatchOf(long[][] sets)
    {
        int b = sets.Length;
        var m = new bool[b, b];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < b; j++) m[i, j] = sets[i].Intersect(sets[j]).Any();
        return m;
    }

    private static Tensor MatchTensor(long[][] sets) => ItemRelation.SharedLabel(sets).Matches(Enumerable.Range(0, sets.Length).ToArray());

    private static Tensor ToTensor(bool[,] m)
    {
        int b = m.GetLength(0);
        var flat = new bool[b * b];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < b; j++) flat[i * b + j] = m[i, j];
        return tensor(flat, new long[] { b, b });
    }

    [Fact]
    public void SharedLabelMatchesAreThePairsThatShareALabel()
    {
        using var scope = NewDisposeScope();
        foreach (var (_, sets) in Batches())
        {
            var expected = MatchOf(sets);
            var got = MatchTensor(sets).data<bool>().ToArray();
            int b = sets.Length;
            for (int i = 0; i < b; i++)
                for (int j = 0; j < b; j++) Assert.Equal(expected[i, j], got[i * b + j]);
            var relation = ItemRelation.SharedLabel(sets);
            for (int i = 0; i < b; i++)
                Assert.Equal(Enumerable.Range(0, b).Count(j => j != i && expected[i, j]), relation.PositiveCount(i, b));
        }
        // A custom predicate over dataset indices: items of the batch are looked up by their dataset index.
        var parity = ItemRelation.FromPredicate((i, j) => (i + j) % 2 == 0);
        var m = parity.Matches(new[] { 4, 7, 10 }).data<bool>().ToArray();
        Assert.Equal(new[] { true, false, true, false, true, false, true, false, true }, m);
    }

    public static TheoryData<string> Miners() => new(Cases.MinerNames);

    [Theory]
    [MemberData(nameof(Miners))]
    public void MinerAndLossMatchTheReferenceOnMultiLabelBatches(string minerName)
    {
        var failures = new StringBuilder();
        int checks = 0;
        foreach (var (torchOnly, dtype, rel) in new[] { (false, ScalarType.Float64, 1e-10), (false, ScalarType.Float32, 1e-5), (true, ScalarType.Float32, 1e-5) })
        {
            EngineSwitches.TorchOnly = torchOnly;
            try
            {
                foreach (var (batch, sets) in Batches())
                    checks += Check(batch, sets, minerName, dtype, rel, failures, $"torchOnly={torchOnly} {dtype}");
            }
            finally { EngineSwitches.TorchOnly = false; }
        }
        Assert.True(failures.Length == 0, $"{checks} checks, failures:\n{failures}");
    }

    private static int Check(Batch batch, long[][] sets, string minerName, ScalarType dtype, double rel, StringBuilder failures, string context)
    {
        using var scope = NewDisposeScope();
        var distance = new EuclideanDistance();
        var miner = Cases.Miner(minerName, distance);
        var x = batch.Embeddings(dtype).requires_grad_();
        var match = MatchOf(sets);
        var matches = MatchTensor(sets);
        var e = new RefMeasure("euclidean", minerName == "distance-weighted").DistanceLike(batch.X);
        var eLoss = new RefMeasure("euclidean", false).DistanceLike(batch.X);
        using var mined = miner?.Mine(x, matches);
        var expected = Cases.Select(minerName, e, match);
        List<(int A, int P, int N)> chosen;
        if (mined?.Indices is TripletIndices idx) chosen = Cases.ToList(idx);
        else
        {
            var band = mined?.Band ?? NegativeBand.All;
            var (a, p, n) = TripletLossKernels.BandTriplets(x.detach(), matches, band.ToEngine(), distance, null);
            chosen = Cases.ToList(new TripletIndices(a, p, n));
        }
        string where = $"{batch} {minerName} {context}";
        if (expected is not null)
        {
            var want = expected.OrderBy(t => t).ToList();
            var got = chosen.OrderBy(t => t).ToList();
            if (!want.SequenceEqual(got)) failures.AppendLine($"{where}: {got.Count} triplets selected, reference {want.Count}; first difference {want.Except(got).Concat(got.Except(want)).FirstOrDefault()}");
        }
        else
        {
            foreach (var (a, p, n) in chosen)
                if (a == p || a == n || !match[a, p] || match[a, n]) { failures.AppendLine($"{where}: invalid triplet ({a}, {p}, {n})"); break; }
            if (chosen.Count == 0 && RefTriplets.All(match).Any()) failures.AppendLine($"{where}: no triplet drawn");
        }
        // The loss over the selection against the reference hinge sum; its gradient against the explicit-triplet path.
        var loss = new TripletMarginLoss(0.2, distance: distance, reducer: new SumReducer());
        var output = loss.ComputeDetailed(x, matches, mined);
        var reference = expected ?? chosen;
        double want2 = RefLoss.PerTriplet(eLoss, reference, 0.2, false, false).Sum();
        double got2 = output.Loss.to(ScalarType.Float64).item<double>();
        double scale = RefLoss.Scale(eLoss, reference, 0.2, false, false).Sum();
        if (!Cases.Within(got2, want2, rel, scale)) failures.AppendLine($"{where}: loss {got2}, reference {want2}");
        if (output.TripletCount != reference.Count) failures.AppendLine($"{where}: {output.TripletCount} triplets counted, reference {reference.Count}");
        var g = autograd.grad(new[] { output.Loss }, new[] { x }, allow_unused: true)[0];
        var x2 = batch.Embeddings(dtype).requires_grad_();
        var t = new TripletIndices(tensor(reference.Select(v => (long)v.A).ToArray()), tensor(reference.Select(v => (long)v.P).ToArray()), tensor(reference.Select(v => (long)v.N).ToArray()));
        var explicitLoss = loss.Compute(x2, matches, t);
        var g2 = autograd.grad(new[] { explicitLoss }, new[] { x2 }, allow_unused: true)[0];
        double gradDiff = g is null || g2 is null ? 0 : (g - g2).abs().max().to(ScalarType.Float64).item<double>();
        double gradScale = g2 is null ? 1 : Math.Max(1, g2.abs().max().to(ScalarType.Float64).item<double>());
        if (gradDiff > rel * 10 * gradScale) failures.AppendLine($"{where}: gradient differs from the explicit path by {gradDiff}");
        return 1;
    }

    /// <summary>
    /// Single labels given as labels (the fast path) and as their match matrix (the general path): the same triplets
    /// and the same loss and gradient within 1e-6 (relative), on the CPU kernels and the torch path. The random miner
    /// counts negatives in another order on the general path, so only its positives must agree.
    /// </summary>
    [Theory]
    [MemberData(nameof(Miners))]
    public void SingleLabelsGiveTheSameNumbersThroughBothPaths(string minerName)
    {
        var failures = new StringBuilder();
        foreach (bool torchOnly in new[] { false, true })
        {
            EngineSwitches.TorchOnly = torchOnly;
            try
            {
                foreach (var batch in Cases.Batches())
                {
                    using var scope = NewDisposeScope();
                    var distance = new EuclideanDistance();
                    var matches = ToTensor(RefTriplets.Match(batch.Labels));
                    var (l1, g1, t1) = Run(batch, minerName, distance, batch.LabelTensor());
                    var (l2, g2, t2) = Run(batch, minerName, distance, matches);
                    string where = $"{batch} {minerName} torchOnly={torchOnly}";
                    if (minerName == "random") t1 = t1?.Select(v => (v.A, v.P, 0)).ToList();
                    if (minerName == "random") t2 = t2?.Select(v => (v.A, v.P, 0)).ToList();
                    if (t1 is not null && !t1.SequenceEqual(t2!)) failures.AppendLine($"{where}: different triplets");
                    if (minerName != "random" && Math.Abs(l1 - l2) > 1e-6 * Math.Max(1, Math.Abs(l1))) failures.AppendLine($"{where}: loss {l1} vs {l2}");
                    if (minerName != "random" && g1.Zip(g2).Any(p => Math.Abs(p.First - p.Second) > 1e-6 * Math.Max(1, Math.Abs(p.First)))) failures.AppendLine($"{where}: gradients differ");
                }
            }
            finally { EngineSwitches.TorchOnly = false; }
        }
        Assert.True(failures.Length == 0, failures.ToString());
    }

    private static (double Loss, double[] Grad, List<(int A, int P, int N)>? Triplets) Run(Batch batch, string minerName, BaseDistance distance, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var miner = Cases.Miner(minerName, distance);
        var x = batch.Embeddings(ScalarType.Float32).requires_grad_();
        using var mined = miner?.Mine(x, labels);
        var triplets = mined?.Indices is TripletIndices idx ? Cases.ToList(idx) : null;
        var loss = new TripletMarginLoss(0.2, distance: distance).ComputeDetailed(x, labels, mined).Loss;
        var g = autograd.grad(new[] { loss }, new[] { x }, allow_unused: true)[0];
        var grad = g is null ? new double[batch.B * batch.D] : g.to(ScalarType.Float64).data<double>().ToArray();
        return (loss.to(ScalarType.Float64).item<double>(), grad, triplets);
    }

    [Fact]
    public void ReferenceSetsAndBadMatchMatricesAreRefused()
    {
        using var scope = NewDisposeScope();
        var x = randn(4, 3);
        Assert.Throws<ArgumentException>(() => new SemiHardMiner().Mine(x, ones(4, 3, dtype: ScalarType.Bool)));
        Assert.Throws<ArgumentException>(() => new TripletMarginLoss().Compute(x, ones(3, 3, dtype: ScalarType.Bool)));
        var references = new ReferenceSet(randn(5, 3), tensor(new long[] { 0, 1, 0, 1, 2 }));
        Assert.Throws<NotSupportedException>(() => new SemiHardMiner().Mine(x, eye(4, dtype: ScalarType.Bool), references));
        // A triplet whose negative shares a label with the anchor is rejected.
        var m = ToTensor(MatchOf(new[] { new long[] { 0, 1 }, new long[] { 0 }, new long[] { 1 }, new long[] { 2 } }));
        var bad = new TripletIndices(tensor(new long[] { 0 }), tensor(new long[] { 1 }), tensor(new long[] { 2 }));
        Assert.Throws<ArgumentException>(() => new TripletMarginLoss().Compute(x, m, bad));
        var good = new TripletIndices(tensor(new long[] { 0 }), tensor(new long[] { 2 }), tensor(new long[] { 3 }));
        Assert.True(new TripletMarginLoss().Compute(x, m, good).item<float>() >= 0);
    }
}
