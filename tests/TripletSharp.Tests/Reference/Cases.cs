using TripletSharp.Distances;
using TripletSharp.Losses;
using TripletSharp.Mining;

namespace TripletSharp.Tests.Reference;

/// <summary>Engine objects paired with their reference definitions.</summary>
public static class Cases
{
    public static readonly (string Kind, bool Normalize)[] Measures =
    {
        ("euclidean", false), ("euclidean", true), ("squared-euclidean", false), ("cosine", true), ("dot", false), ("dot", true),
    };

    public static readonly string[] Reducers = { "avg-nonzero", "mean", "sum", "none" };

    public static BaseReducer Reducer(string name) => name switch
    {
        "avg-nonzero" => new AvgNonZeroReducer(),
        "mean" => new MeanReducer(),
        "sum" => new SumReducer(),
        "none" => new NoReducer(),
        _ => throw new ArgumentException(name),
    };

    public static readonly string[] MinerNames =
    {
        "none", "batch-all", "batch-all-violating", "batch-hard", "semihard", "facenet-semihard", "hard", "distance-weighted", "random",
    };

    public static BaseMiner? Miner(string name, BaseDistance distance, double margin = 0.2) => name switch
    {
        "none" => null,
        "batch-all" => new BatchAllMiner(false, margin, distance),
        "batch-all-violating" => new BatchAllMiner(true, margin, distance),
        "batch-hard" => new BatchHardMiner(distance),
        "semihard" => new SemiHardMiner(margin, distance),
        "facenet-semihard" => new FaceNetSemiHardMiner(distance),
        "hard" => new HardNegativeMiner(distance),
        "distance-weighted" => new DistanceWeightedMiner(seed: 7),
        "random" => new RandomTripletMiner(3, seed: 7, distance),
        _ => throw new ArgumentException(name),
    };

    /// <summary>
    /// The reference selection on the miner's distance-like matrix; null for the random miners, whose draws cannot be
    /// reproduced independently (their triplets are checked for validity instead and the loss is recomputed on them).
    /// </summary>
    public static List<(int A, int P, int N)>? Select(string name, double[,] e, long[] labels, double margin = 0.2) =>
        Select(name, e, RefTriplets.Match(labels), margin);

    /// <summary>The same on a match matrix (match[a, j]: j is a positive of a; multi-label or a custom relation).</summary>
    public static List<(int A, int P, int N)>? Select(string name, double[,] e, bool[,] match, double margin = 0.2) => name switch
    {
        "none" or "batch-all" => RefTriplets.All(match).ToList(),
        "batch-all-violating" => RefTriplets.Band(e, match, d => d < margin),
        "batch-hard" => RefTriplets.BatchHard(e, match),
        "semihard" => RefTriplets.Band(e, match, d => d > 0 && d <= margin),
        "facenet-semihard" => RefTriplets.FaceNetSemiHard(e, match),
        "hard" => RefTriplets.Band(e, match, d => d < 0),
        _ => null,
    };

    public static IEnumerable<Batch> Batches()
    {
        yield return TestData.Gaussian(1, 24, 6, 4, duplicates: 6, lone: 2);
        yield return TestData.Gaussian(2, 17, 3, 3, duplicates: 4);
        yield return TestData.Gaussian(5, 30, 8, 5, lone: 3, scale: 0.3);
        yield return TestData.Grid(3, 20, 3, 3);
        yield return TestData.OneClass(4, 9, 4);
        yield return TestData.AllDistinct(6, 9, 4);
    }

    public static List<(int A, int P, int N)> ToList(TripletIndices indices)
    {
        var a = indices.Anchors.data<long>().ToArray();
        var p = indices.Positives.data<long>().ToArray();
        var n = indices.Negatives.data<long>().ToArray();
        return Enumerable.Range(0, a.Length).Select(i => ((int)a[i], (int)p[i], (int)n[i])).ToList();
    }

    /// <summary>|actual − expected| ≤ rel·scale (scale = magnitude of the operands; see <see cref="RefLoss.Scale"/>).</summary>
    public static bool Within(double actual, double expected, double rel, double scale) =>
        Math.Abs(actual - expected) <= rel * Math.Max(scale, 1e-12) || actual == expected || (double.IsNaN(actual) && double.IsNaN(expected));

    /// <summary>Grid batches have exact ties only without normalisation (normalising rounds them apart).</summary>
    public static bool Applicable(Batch batch, BaseDistance distance) => !(batch.Name.StartsWith("grid") && distance.NormalizeEmbeddings);

    public static bool Close(double actual, double expected, double rel) =>
        Math.Abs(actual - expected) <= rel * Math.Max(Math.Abs(expected), 1e-2) || (double.IsNaN(actual) && double.IsNaN(expected));
}
