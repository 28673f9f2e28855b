using TripletSharp.Distances;
using TripletSharp.Evaluation;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Calibration;

public class ThresholdCalibratorTests
{
    /// <summary>The figures at threshold t, by a plain loop over every item.</summary>
    private static (long Tp, long Fp, long Tn, long Fn, double Precision, double Recall, double F1, double Far, double Tar) Reference(
        double[] v, bool[] pos, double t, bool inverted, CalibrationMode mode)
    {
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < v.Length; i++)
        {
            bool accept = inverted ? v[i] >= t : v[i] <= t;
            if (pos[i] && accept) tp++;
            else if (pos[i]) fn++;
            else if (accept) fp++;
            else tn++;
        }
        double precision = tp + fp == 0 ? 1 : (double)tp / (tp + fp);
        double tar = (double)tp / (tp + fn);
        double recall = mode == CalibrationMode.Verification ? tar : (double)tp / v.Length;
        double far = fp + tn == 0 ? 0 : (double)fp / (fp + tn);
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return (tp, fp, tn, fn, precision, recall, f1, far, tar);
    }

    /// <summary>The threshold the rules choose, by trying every distinct value.</summary>
    private static double? ReferenceChoice(double[] v, bool[] pos, CalibrationTarget target, bool inverted, CalibrationMode mode)
    {
        var candidates = v.Distinct().OrderBy(x => inverted ? -x : x).ToArray();
        var ok = candidates.Where(t =>
        {
            var r = Reference(v, pos, t, inverted, mode);
            return target.Metric switch
            {
                CalibrationMetric.Far => r.Far <= target.Value,
                CalibrationMetric.Precision => r.Precision >= target.Value,
                _ => r.Recall >= target.Value,
            };
        }).ToArray();
        if (ok.Length == 0) return null;
        return target.Metric == CalibrationMetric.Recall ? ok[0] : ok[^1];
    }

    private static (double[] V, bool[] Pos) Scores(int n, int seed, int levels)
    {
        var rng = new Random(seed);
        var pos = new bool[n];
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            pos[i] = rng.NextDouble() < 0.35;
            // Integer levels: many ties, and positives tend to be closer.
            v[i] = Math.Max(0, rng.Next(levels) - (pos[i] ? 3 : 0));
        }
        return (v, pos);
    }

    public static TheoryData<CalibrationMode, bool, int> Modes()
    {
        var d = new TheoryData<CalibrationMode, bool, int>();
        foreach (var m in new[] { CalibrationMode.Verification, CalibrationMode.Identification })
            foreach (var inv in new[] { false, true })
                foreach (var seed in new[] { 1, 2, 3 })
                    d.Add(m, inv, seed);
        return d;
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Curve_AndChoice_MatchAPlainLoop(CalibrationMode mode, bool inverted, int seed)
    {
        var (v, pos) = Scores(500, seed, 12);
        BaseDistance measure = inverted ? new DotProductSimilarity() : new EuclideanDistance();
        foreach (var target in new[]
        {
            CalibrationTarget.Far(0.05), CalibrationTarget.Far(0.3), CalibrationTarget.Far(1), CalibrationTarget.Precision(0.6),
            CalibrationTarget.Precision(0.8), CalibrationTarget.Recall(0.1), CalibrationTarget.Recall(0.3), CalibrationTarget.Recall(0.5),
        })
        {
            var expected = ReferenceChoice(v, pos, target, inverted, mode);
            if (expected is null)
            {
                Assert.Throws<CalibrationException>(() => ThresholdCalibrator.Calibrate(v, pos, target, mode, measure));
                continue;
            }
            var r = ThresholdCalibrator.Calibrate(v, pos, target, mode, measure);
            Assert.Equal(expected.Value, r.Threshold);
            var e = Reference(v, pos, r.Threshold, inverted, mode);
            Assert.Equal(e.Tp, r.TruePositives);
            Assert.Equal(e.Fp, r.FalsePositives);
            Assert.Equal(e.Precision, r.Precision, 12);
            Assert.Equal(e.Recall, r.Recall, 12);
            Assert.Equal(e.F1, r.F1, 12);
            Assert.Equal(e.Far, r.Far, 12);
            Assert.Equal(e.Tar, r.Tar, 12);
            Assert.Equal(500, r.Count);
            Assert.Equal(pos.Count(p => p), r.Positives);
            Assert.Equal(pos.Count(p => !p), r.Negatives);
            Assert.Equal(inverted, r.HigherIsCloser);
            Assert.Equal(target, r.Target);
            // Every candidate on the curve, one per distinct value, tightest first.
            Assert.Equal(v.Distinct().OrderBy(x => inverted ? -x : x), r.Curve.Select(p => p.Threshold));
            foreach (var p in r.Curve)
            {
                var c = Reference(v, pos, p.Threshold, inverted, mode);
                Assert.Equal((c.Tp, c.Fp, c.Tn, c.Fn), (p.TruePositives, p.FalsePositives, p.TrueNegatives, p.FalseNegatives));
                Assert.Equal(c.Precision, p.Precision, 12);
                Assert.Equal(c.Recall, p.Recall, 12);
                Assert.Equal(c.Far, p.Far, 12);
                Assert.Equal(c.Tar, p.Tar, 12);
                Assert.Equal(c.F1, p.F1, 12);
            }
        }
    }

    /// <summary>Small integer coordinates: float32 distances are exact, so the reference is exact too.</summary>
    private static (Tensor X, long[] Labels, double[][] Rows) IntegerPoints(int n, int d, int classes, int seed, bool duplicates = true)
    {
        var rng = new Random(seed);
        var rows = new double[n][];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = rng.Next(classes);
            if (duplicates && i > 0 && rng.NextDouble() < 0.1)
            {
                int j = rng.Next(i);
                rows[i] = (double[])rows[j].Clone();
                continue;
            }
            rows[i] = Enumerable.Range(0, d).Select(k => (double)(labels[i] * 3 + rng.Next(-3, 4))).ToArray();
        }
        var flat = rows.SelectMany(r => r.Select(x => (float)x)).ToArray();
        return (tensor(flat, new long[] { n, d }), labels, rows);
    }

    private static double Sq(double[] a, double[] b) => a.Zip(b, (x, y) => (x - y) * (x - y)).Sum();

    [Theory]
    [InlineData("squared-euclidean")]
    [InlineData("euclidean")]
    public void Verification_AllPairs_MatchesAPlainLoop(string measureName)
    {
        var (x, labels, rows) = IntegerPoints(60, 3, 4, seed: 5);
        BaseDistance measure = measureName == "euclidean" ? new EuclideanDistance() : new SquaredEuclideanDistance();
        var v = new List<double>();
        var pos = new List<bool>();
        for (int i = 0; i < rows.Length; i++)
            for (int j = i + 1; j < rows.Length; j++)
            {
                double sq = Sq(rows[i], rows[j]);
                v.Add(measureName == "euclidean" ? Math.Sqrt(sq) : sq);
                pos.Add(labels[i] == labels[j]);
            }
        foreach (var target in new[] { CalibrationTarget.Far(0.01), CalibrationTarget.Precision(0.5), CalibrationTarget.Precision(0.9), CalibrationTarget.Recall(0.8) })
        {
            var choice = ReferenceChoice(v.ToArray(), pos.ToArray(), target, false, CalibrationMode.Verification);
            if (choice is null)
            {
                Assert.Throws<CalibrationException>(() => ThresholdCalibrator.Verification(x, labels, measure, target));
                continue;
            }
            var r = ThresholdCalibrator.Verification(x, labels, measure, target);
            double expected = choice.Value;
            Assert.Equal(expected, r.Threshold, 5);
            var e = Reference(v.ToArray(), pos.ToArray(), expected, false, CalibrationMode.Verification);
            Assert.Equal((e.Tp, e.Fp), (r.TruePositives, r.FalsePositives));
            Assert.Equal(60 * 59 / 2, r.Count);
            Assert.Equal(pos.Count(p => p), r.Positives);
            Assert.Equal(CalibrationMode.Verification, r.Mode);
        }
    }

    [Fact]
    public void Verification_PairList_MatchesAPlainLoop()
    {
        var (x, labels, rows) = IntegerPoints(80, 4, 3, seed: 6);
        var rng = new Random(7);
        var a = new List<int>();
        var b = new List<int>();
        for (int i = 0; i < 200; i++)
        {
            a.Add(rng.Next(80));
            b.Add(rng.Next(80));
        }
        var same = a.Zip(b, (i, j) => labels[i] == labels[j]).ToArray();
        var v = a.Zip(b, (i, j) => Sq(rows[i], rows[j])).ToArray();
        var first = x.index_select(0, tensor(a.Select(i => (long)i).ToArray()));
        var second = x.index_select(0, tensor(b.Select(i => (long)i).ToArray()));
        var r = ThresholdCalibrator.Verification(first, second, same, new SquaredEuclideanDistance(), CalibrationTarget.Far(0.1));
        Assert.Equal(ReferenceChoice(v, same, CalibrationTarget.Far(0.1), false, CalibrationMode.Verification)!.Value, r.Threshold);
        Assert.Equal(200, r.Count);
    }

    [Fact]
    public void Identification_MatchesAPlainNearestNeighbourLoop()
    {
        var (g, gl, grows) = IntegerPoints(70, 3, 5, seed: 8);
        var (q, ql, qrows) = IntegerPoints(40, 3, 5, seed: 9, duplicates: false);
        var v = new double[40];
        var pos = new bool[40];
        for (int i = 0; i < 40; i++)
        {
            // Nearest gallery item, ties to the lower index.
            int best = 0;
            for (int j = 1; j < 70; j++) if (Sq(qrows[i], grows[j]) < Sq(qrows[i], grows[best])) best = j;
            v[i] = Sq(qrows[i], grows[best]);
            pos[i] = gl[best] == ql[i];
        }
        var target = CalibrationTarget.Precision(0.7);
        var expected = ReferenceChoice(v, pos, target, false, CalibrationMode.Identification);
        var r = ThresholdCalibrator.Identification(q, ql, g, gl, new SquaredEuclideanDistance(), target);
        Assert.Equal(expected!.Value, r.Threshold);
        var e = Reference(v, pos, r.Threshold, false, CalibrationMode.Identification);
        Assert.Equal((e.Tp, e.Fp), (r.TruePositives, r.FalsePositives));
        Assert.Equal(e.Recall, r.Recall, 12);
        Assert.Equal(pos.Count(p => p), r.Positives);

        // Leave-one-out on the gallery itself (duplicates included: their nearest other item is at 0).
        var lv = new double[70];
        var lp = new bool[70];
        for (int i = 0; i < 70; i++)
        {
            int best = -1;
            for (int j = 0; j < 70; j++)
                if (j != i && (best < 0 || Sq(grows[i], grows[j]) < Sq(grows[i], grows[best]))) best = j;
            lv[i] = Sq(grows[i], grows[best]);
            lp[i] = gl[best] == gl[i];
        }
        var loo = ThresholdCalibrator.Identification(g, gl, new SquaredEuclideanDistance(), CalibrationTarget.Recall(0.5));
        Assert.Equal(ReferenceChoice(lv, lp, CalibrationTarget.Recall(0.5), false, CalibrationMode.Identification)!.Value, loo.Threshold);
        Assert.Equal(lp.Count(p => p), loo.Positives);
    }

    [Fact]
    public void BadCalibrationData_IsATypedError()
    {
        var (x, labels, _) = IntegerPoints(20, 3, 3, seed: 10);
        var eu = new EuclideanDistance();
        var one = Assert.Throws<CalibrationException>(() => ThresholdCalibrator.Verification(x, labels.Select(_ => 1L).ToArray(), eu, CalibrationTarget.Far(0.1)));
        Assert.Contains("one class", one.Message);
        Assert.Throws<CalibrationException>(() => ThresholdCalibrator.Identification(x, labels.Select(_ => 1L).ToArray(), eu, CalibrationTarget.Far(0.1)));
        var none = Assert.Throws<CalibrationException>(() => ThresholdCalibrator.Verification(x, Enumerable.Range(0, 20).Select(i => (long)i).ToArray(), eu, CalibrationTarget.Far(0.1)));
        Assert.Contains("No positive pairs", none.Message);
        Assert.Throws<CalibrationException>(() => ThresholdCalibrator.Calibrate([1.0, 2.0], [false, false], CalibrationTarget.Far(0.1), CalibrationMode.Verification, eu));
        Assert.Throws<CalibrationException>(() => ThresholdCalibrator.Calibrate([1.0, 2.0], [true, true], CalibrationTarget.Far(0.1), CalibrationMode.Verification, eu));
        Assert.Throws<CalibrationException>(() => ThresholdCalibrator.Calibrate([], [], CalibrationTarget.Far(0.1), CalibrationMode.Verification, eu));
        var reach = Assert.Throws<CalibrationException>(() => ThresholdCalibrator.Calibrate([1.0, 1.0], [true, false], CalibrationTarget.Precision(0.9), CalibrationMode.Verification, eu));
        Assert.Contains("best precision is 0.5", reach.Message);
        Assert.Throws<ArgumentException>(() => ThresholdCalibrator.Calibrate([double.NaN, 1.0], [true, false], CalibrationTarget.Far(0.1), CalibrationMode.Verification, eu));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdCalibrator.Calibrate([0.0, 1.0], [true, false], CalibrationTarget.Far(double.NaN), CalibrationMode.Verification, eu));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdCalibrator.Calibrate([0.0, 1.0], [true, false], CalibrationTarget.Precision(0), CalibrationMode.Verification, eu));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdCalibrator.Calibrate([0.0, 1.0], [true, false], CalibrationTarget.Recall(1.5), CalibrationMode.Verification, eu));
    }
}
