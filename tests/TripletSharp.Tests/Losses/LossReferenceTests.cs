using System.Text;
using TripletSharp.Engine;
using TripletSharp.Losses;
using TripletSharp.Mining;

using TripletSharp.Tests.Reference;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Losses;

/// <summary>Every miner × reducer × measure × (margin, soft, swap) against the double-precision loop reference.</summary>
public class LossReferenceTests
{
    private static readonly (double Margin, bool Soft, bool Swap)[] Modes = { (0.2, false, false), (0.2, false, true), (0, true, false), (0.05, true, true), (0, false, false) };

    public static TheoryData<string> Miners() => new(Cases.MinerNames);

    [Theory]
    [MemberData(nameof(Miners))]
    public void LossMatchesReference(string minerName)
    {
        var failures = new StringBuilder();
        int checks = 0;
        foreach (var batch in Cases.Batches())
        foreach (var (kind, normalize) in Cases.Measures)
        {
            var lossDistance = RefMeasure.Create(kind, normalize);
            if (!Cases.Applicable(batch, lossDistance)) continue;
            // The selection measure is the loss's, except for distance-weighted (normalised Euclidean by definition).
            checks += Check(batch, minerName, lossDistance, lossDistance, failures, ScalarType.Float32, 1e-5);
        }
        // A selection measure that differs from the loss's (evaluated by the chunked path for bands).
        foreach (var batch in Cases.Batches().Take(3))
            checks += Check(batch, minerName, RefMeasure.Create("euclidean", false), RefMeasure.Create("squared-euclidean", true), failures, ScalarType.Float32, 1e-5);
        // Double precision agrees far more tightly.
        checks += Check(Cases.Batches().First(), minerName, RefMeasure.Create("euclidean", false), RefMeasure.Create("euclidean", false), failures, ScalarType.Float64, 1e-10);
        Assert.True(failures.Length == 0, $"{checks} checks, failures:\n{failures}");
    }

    /// <summary>The same comparison with the device-independent torch implementations and each explicit-triplet path forced.</summary>
    [Theory]
    [MemberData(nameof(Miners))]
    public void LossMatchesReferenceOnEveryPath(string minerName)
    {
        var failures = new StringBuilder();
        int checks = 0;
        foreach (var (torchOnly, path) in new[] { (true, ExplicitPath.Auto), (false, ExplicitPath.Pairwise), (false, ExplicitPath.Matrix), (true, ExplicitPath.Matrix) })
        {
            EngineSwitches.TorchOnly = torchOnly;
            EngineSwitches.ExplicitPath = path;
            try
            {
                foreach (var batch in Cases.Batches().Take(2))
                foreach (var (kind, normalize) in Cases.Measures)
                {
                    var d = RefMeasure.Create(kind, normalize);
                    checks += Check(batch, minerName, d, d, failures, ScalarType.Float32, 1e-5, $"torchOnly={torchOnly} path={path}", statsFirst: true);
                }
            }
            finally
            {
                EngineSwitches.TorchOnly = false;
                EngineSwitches.ExplicitPath = ExplicitPath.Auto;
            }
        }
        Assert.True(failures.Length == 0, $"{checks} checks, failures:\n{failures}");
    }

    private static int Check(Batch batch, string minerName, TripletSharp.Distances.BaseDistance lossDistance, TripletSharp.Distances.BaseDistance minerDistance,
        StringBuilder failures, ScalarType dtype, double rel, string variant = "", bool statsFirst = false)
    {
        int checks = 0;
        using var scope = NewDisposeScope();
        var x = batch.Embeddings(dtype);
        var labels = batch.LabelTensor();
        var miner = Cases.Miner(minerName, minerDistance);
        using var mined = miner?.Mine(x, labels);
        var minerRef = RefMeasure.Of(miner?.Distance ?? lossDistance);
        var lossRef = RefMeasure.Of(lossDistance);
        var eMiner = minerRef.DistanceLike(batch.X);
        var eLoss = lossRef.DistanceLike(batch.X);
        var triplets = Cases.Select(minerName, eMiner, batch.Labels);
        if (triplets is null)
        {
            triplets = Cases.ToList(mined!.Indices!);
            foreach (var (a, p, n) in triplets)
                if (a == p || batch.Labels[a] != batch.Labels[p] || batch.Labels[a] == batch.Labels[n])
                    failures.AppendLine($"{minerName} {batch}: invalid triplet ({a},{p},{n})");
        }
        string where = $"{variant} {minerName} miner[{minerDistance.Name},{minerDistance.NormalizeEmbeddings}] loss[{lossDistance.Name},{lossDistance.NormalizeEmbeddings}] {dtype} {batch}";
        if (statsFirst) checks += CheckStats(mined, minerRef, batch, triplets, where, rel, failures);

        foreach (var (margin, soft, swap) in Modes)
        {
            var per = RefLoss.PerTriplet(eLoss, triplets, margin, soft, swap);
            var scale = RefLoss.Scale(eLoss, triplets, soft ? 0 : margin, swap, soft);
            // The reducers only divide the same totals; all four on the first mode, two on the others keep the test quick.
            foreach (var reducerName in margin == Modes[0].Margin && !soft && !swap ? Cases.Reducers : new[] { "avg-nonzero", "none" })
            {
                checks++;
                var loss = new TripletMarginLoss(margin, soft, swap, lossDistance, Cases.Reducer(reducerName));
                var output = loss.ComputeDetailed(x, labels, mined);
                string tag = $"{where} m={margin} soft={soft} swap={swap} {reducerName}";
                if (output.TripletCount != triplets.Count || output.ActiveTripletCount != per.Count(v => v > 0))
                {
                    failures.AppendLine($"{tag}: counts {output.TripletCount}/{output.ActiveTripletCount}, expected {triplets.Count}/{per.Count(v => v > 0)}");
                    continue;
                }
                if (reducerName == "none")
                {
                    var values = output.Loss.to(ScalarType.Float64).data<double>().ToArray();
                    if (values.Length != per.Length) { failures.AppendLine($"{tag}: {values.Length} values, expected {per.Length}"); continue; }
                    for (int i = 0; i < per.Length; i++)
                        if (!Cases.Within(values[i], per[i], rel, scale[i])) { failures.AppendLine($"{tag}: triplet {i} {triplets[i]} = {values[i]}, expected {per[i]}"); break; }
                }
                else
                {
                    double expected = RefLoss.Reduce(reducerName, per);
                    double actual = output.Loss.to(ScalarType.Float64).item<double>();
                    if (!Cases.Within(actual, expected, rel, RefLoss.ReducedScale(reducerName, per, scale))) failures.AppendLine($"{tag}: {actual}, expected {expected}");
                }
            }
        }
        // Read after the losses, band statistics come from the loss's own pass (see MiningResult.Stats).
        if (!statsFirst) checks += CheckStats(mined, minerRef, batch, triplets, where, rel, failures);
        return checks;
    }

    private static int CheckStats(MiningResult? mined, RefMeasure minerRef, Batch batch, List<(int A, int P, int N)> triplets, string where, double rel, StringBuilder failures)
    {
        if (mined is null) return 0;
        var s = mined.Stats;
        double apMean = triplets.Count == 0 ? double.NaN : triplets.Average(t => minerRef.Raw(batch.X[t.A], batch.X[t.P]));
        double anMean = triplets.Count == 0 ? double.NaN : triplets.Average(t => minerRef.Raw(batch.X[t.A], batch.X[t.N]));
        double anchorFraction = (double)triplets.Select(t => t.A).Distinct().Count() / batch.B;
        if (s.TripletCount != triplets.Count || !Cases.Close(s.AnchorFraction, anchorFraction, 1e-12)
            || !Cases.Within(s.MeanAnchorPositive, apMean, rel, Math.Abs(apMean) + Math.Abs(anMean)) || !Cases.Within(s.MeanAnchorNegative, anMean, rel, Math.Abs(apMean) + Math.Abs(anMean)))
            failures.AppendLine($"{where}: stats {s} expected count={triplets.Count} anchors={anchorFraction} ap={apMean} an={anMean}");
        return 1;
    }
}
