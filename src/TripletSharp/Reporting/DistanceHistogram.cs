using TripletSharp.Evaluation;

namespace TripletSharp.Reporting;

/// <summary>Bins d_ap and d_an of several epochs on one shared set of equal-width edges, so that epochs compare directly.</summary>
internal sealed record DistanceHistogram(double[] Edges, IReadOnlyList<DistanceHistogram.EpochCounts> Epochs)
{
    internal sealed record EpochCounts(int Epoch, long[] AnchorPositive, long[] AnchorNegative, long DroppedNonFinite, double MeanAnchorPositive, double MeanAnchorNegative);

    /// <summary>
    /// Edges span [min(0, smallest value), max(largest value, margin)]; a value equal to the upper edge falls in the
    /// last bin, as numpy.histogram. NaN and ±Inf are dropped and counted.
    /// </summary>
    internal static DistanceHistogram Build(IReadOnlyList<EpochDistances> epochs, double? margin, int bins)
    {
        double lo = 0, hi = margin is double m && m > 0 ? m : 0;
        foreach (var e in epochs)
            foreach (var v in e.AnchorPositive.Concat(e.AnchorNegative))
                if (float.IsFinite(v)) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
        if (margin is double mm) lo = Math.Min(lo, mm);
        if (!(hi > lo)) hi = lo + 1;
        var edges = new double[bins + 1];
        for (int b = 0; b <= bins; b++) edges[b] = lo + (hi - lo) * b / bins;
        edges[bins] = hi;
        var counts = new List<EpochCounts>();
        foreach (var e in epochs)
        {
            long dropped = 0;
            long[] Bin(float[] values, out double mean)
            {
                var c = new long[bins];
                double sum = 0; long n = 0;
                foreach (var v in values)
                {
                    if (!float.IsFinite(v)) { dropped++; continue; }
                    int b = (int)Math.Floor((v - lo) / (hi - lo) * bins);
                    c[Math.Clamp(b, 0, bins - 1)]++;
                    sum += v; n++;
                }
                mean = n > 0 ? sum / n : double.NaN;
                return c;
            }
            var ap = Bin(e.AnchorPositive, out var apMean);
            var an = Bin(e.AnchorNegative, out var anMean);
            counts.Add(new EpochCounts(e.Epoch, ap, an, dropped, apMean, anMean));
        }
        return new DistanceHistogram(edges, counts);
    }
}
