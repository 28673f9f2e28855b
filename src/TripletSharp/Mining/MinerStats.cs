using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>Statistics of explicit triplets.</summary>
internal static class MinerStats
{
    /// <summary>Counts, anchor fraction and mean measures of explicit triplets on the raw matrix.</summary>
    public static MiningStats FromIndices(Tensor distances, TripletIndices indices)
    {
        long n = indices.Count;
        if (n == 0) return MiningStats.Empty;
        using var scope = torch.NewDisposeScope();
        long batch = distances.shape[0];
        long anchors = torch.unique(indices.Anchors).Item1.shape[0];
        double ap = distances.index(new[] { indices.Anchors, indices.Positives }).sum(type: ScalarType.Float64).item<double>() / n;
        double an = distances.index(new[] { indices.Anchors, indices.Negatives }).sum(type: ScalarType.Float64).item<double>() / n;
        return new MiningStats(n, (double)anchors / batch, ap, an);
    }
}
