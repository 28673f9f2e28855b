using TripletSharp.Distances;
using TripletSharp.Losses;
using TripletSharp.Mining;

namespace TripletSharp.Training;

/// <summary>Maps the names used in configs and on the command line to engine objects.</summary>
public static class ComponentFactory
{
    /// <summary>Miner names: semihard, facenet-semihard, batch-hard, batch-all, hard, distance-weighted, random.</summary>
    public static IReadOnlyList<string> MinerNames { get; } =
        ["semihard", "facenet-semihard", "batch-hard", "batch-all", "hard", "distance-weighted", "random"];

    /// <summary>Distance names: euclidean, squared-euclidean, cosine, dot.</summary>
    public static IReadOnlyList<string> DistanceNames { get; } = ["euclidean", "squared-euclidean", "cosine", "dot"];

    /// <summary>Reducer names: avg-nonzero, mean, sum.</summary>
    public static IReadOnlyList<string> ReducerNames { get; } = ["avg-nonzero", "mean", "sum"];

    /// <summary>Whether the named miner draws random numbers (it is then rebuilt per batch with a derived seed, so that resuming is exact).</summary>
    public static bool IsStochasticMiner(string name) => name is "distance-weighted" or "random";

    /// <summary>The distance called <paramref name="name"/>.</summary>
    public static BaseDistance CreateDistance(string name)
    {
        CheckDistanceName(name, nameof(name));
        return name switch
        {
            "euclidean" => new EuclideanDistance(),
            "squared-euclidean" => new SquaredEuclideanDistance(),
            "cosine" => new CosineDistance(),
            _ => new DotProductSimilarity(),
        };
    }

    /// <summary>The miner called <paramref name="name"/>, selecting with <paramref name="distance"/>.</summary>
    /// <param name="name">One of <see cref="MinerNames"/>.</param>
    /// <param name="margin">Margin of margin-based miners (semihard, batch-all).</param>
    /// <param name="distance">Selection measure.</param>
    /// <param name="seed">Seed of stochastic miners.</param>
    public static BaseMiner CreateMiner(string name, double margin, BaseDistance distance, int seed = 0)
    {
        CheckMinerName(name, nameof(name));
        Guard.NotNull(distance, nameof(distance));
        return name switch
        {
            "semihard" => new SemiHardMiner(margin, distance),
            "facenet-semihard" => new FaceNetSemiHardMiner(distance),
            "batch-hard" => new BatchHardMiner(distance),
            "batch-all" => new BatchAllMiner(onlyViolating: false, margin: margin, distance: distance),
            "hard" => new HardNegativeMiner(distance),
            "distance-weighted" => new DistanceWeightedMiner(seed: seed, distance: distance),
            _ => new RandomTripletMiner(tripletsPerAnchor: 1, seed: seed, distance: distance),
        };
    }

    /// <summary>The reducer called <paramref name="name"/>.</summary>
    public static BaseReducer CreateReducer(string name)
    {
        CheckReducerName(name, nameof(name));
        return name switch
        {
            "avg-nonzero" => new AvgNonZeroReducer(),
            "mean" => new MeanReducer(),
            _ => new SumReducer(),
        };
    }

    /// <summary>The triplet loss that <paramref name="options"/> describe, measuring with <paramref name="distance"/>.</summary>
    public static TripletMarginLoss CreateLoss(TrainerOptions options, BaseDistance distance)
    {
        Guard.NotNull(options, nameof(options));
        return new TripletMarginLoss(options.Margin, options.SoftMargin, swap: false, distance: distance, reducer: CreateReducer(options.Reducer));
    }

    internal static void CheckMinerName(string? name, string argument) => CheckName(name, MinerNames, "miner", argument);

    internal static void CheckDistanceName(string? name, string argument) => CheckName(name, DistanceNames, "distance", argument);

    internal static void CheckReducerName(string? name, string argument) => CheckName(name, ReducerNames, "reducer", argument);

    private static void CheckName(string? name, IReadOnlyList<string> names, string what, string argument)
    {
        if (name is null || !names.Contains(name))
            throw new ArgumentException($"'{argument}' must be one of {string.Join(", ", names)}; got '{name}' (unknown {what}).", argument);
    }
}
