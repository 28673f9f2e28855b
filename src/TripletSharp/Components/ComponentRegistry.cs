using TripletSharp.Distances;
using TripletSharp.Losses;
using TripletSharp.Mining;

namespace TripletSharp.Components;

/// <summary>
/// The one place where names (command-line values, <c>config.json</c>, <c>model.json</c>) become objects. Each kind
/// has one table of constructors; its names are the <c>Name</c> of the objects the table builds, so a name exists
/// exactly once, on its class.
/// </summary>
public static class ComponentRegistry
{
    /// <summary>Builds a miner from (margin, distance, seed); a null distance is the miner's own default (used to read its name).</summary>
    private delegate BaseMiner MinerConstructor(double margin, BaseDistance? distance, int seed);

    private sealed record MinerEntry(string Name, bool Stochastic, MinerConstructor Create);

    private static readonly Func<BaseDistance>[] DistanceTable =
    [
        () => new EuclideanDistance(),
        () => new SquaredEuclideanDistance(),
        () => new CosineDistance(),
        () => new DotProductSimilarity(),
    ];

    private static readonly Func<BaseReducer>[] ReducerTable =
    [
        () => new AvgNonZeroReducer(),
        () => new MeanReducer(),
        () => new SumReducer(),
    ];

    private static readonly MinerEntry[] MinerTable = BuildMiners(
    [
        (false, (margin, distance, _) => new SemiHardMiner(margin, distance)),
        (false, (_, distance, _) => new FaceNetSemiHardMiner(distance)),
        (false, (_, distance, _) => new BatchHardMiner(distance)),
        (false, (margin, distance, _) => new BatchAllMiner(onlyViolating: false, margin: margin, distance: distance)),
        (false, (_, distance, _) => new HardNegativeMiner(distance)),
        (true, (_, distance, seed) => new DistanceWeightedMiner(seed: seed, distance: distance)),
        (true, (_, distance, seed) => new RandomTripletMiner(tripletsPerAnchor: 1, seed: seed, distance: distance)),
    ]);

    /// <summary>Miner names: semihard, facenet-semihard, batch-hard, batch-all, hard, distance-weighted, random.</summary>
    public static IReadOnlyList<string> MinerNames { get; } = MinerTable.Select(m => m.Name).ToArray();

    /// <summary>Distance names: euclidean, squared-euclidean, cosine, dot.</summary>
    public static IReadOnlyList<string> DistanceNames { get; } = DistanceTable.Select(c => c().Name).ToArray();

    /// <summary>Reducer names: avg-nonzero, mean, sum.</summary>
    public static IReadOnlyList<string> ReducerNames { get; } = ReducerTable.Select(c => c().Name).ToArray();

    /// <summary>Extra negatives of tuple training (<see cref="TupleNegatives"/>): none, hardest, semi-hard.</summary>
    public static IReadOnlyList<string> TupleNegativesNames { get; } = ["none", "hardest", "semi-hard"];

    /// <summary>The tuple miner with the extra negatives called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="TupleNegativesNames"/>.</exception>
    public static TupleNegativeMiner CreateTupleMiner(string name, double margin, BaseDistance distance)
    {
        CheckName(name, TupleNegativesNames, "tuple-negatives", nameof(name));
        return new TupleNegativeMiner((TupleNegatives)IndexOf(TupleNegativesNames, name), margin, distance);
    }

    /// <summary>Whether the named miner draws random numbers (the trainer then rebuilds it per batch with a derived seed, so that resuming is exact).</summary>
    public static bool IsStochasticMiner(string name) => MinerTable.Any(m => m.Name == name && m.Stochastic);

    /// <summary>Whether the named miner can mine against a cross-batch memory (<see cref="BaseMiner.SupportsReferences"/>).</summary>
    public static bool MinerSupportsMemory(string name) =>
        MinerNames.Contains(name) && MinerTable[IndexOf(MinerNames, name)].Create(0.2, new EuclideanDistance(normalizeEmbeddings: true), 0).SupportsReferences;

    /// <summary>The distance called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="DistanceNames"/>.</exception>
    public static BaseDistance CreateDistance(string name)
    {
        CheckDistanceName(name, nameof(name));
        return DistanceTable[IndexOf(DistanceNames, name)]();
    }

    /// <summary>The miner called <paramref name="name"/>, selecting with <paramref name="distance"/>.</summary>
    /// <param name="name">One of <see cref="MinerNames"/>.</param>
    /// <param name="margin">Margin of margin-based miners (semihard, batch-all).</param>
    /// <param name="distance">Selection measure.</param>
    /// <param name="seed">Seed of stochastic miners.</param>
    /// <exception cref="ArgumentException">The name is not one of <see cref="MinerNames"/>.</exception>
    public static BaseMiner CreateMiner(string name, double margin, BaseDistance distance, int seed = 0)
    {
        CheckMinerName(name, nameof(name));
        Guard.NotNull(distance, nameof(distance));
        return MinerTable[IndexOf(MinerNames, name)].Create(margin, distance, seed);
    }

    /// <summary>
    /// A per-batch constructor of the named miner: it ignores the seed for deterministic miners and passes it to
    /// stochastic ones (see <see cref="IsStochasticMiner"/>).
    /// </summary>
    public static Func<int, BaseMiner> MinerFactory(string name, double margin, BaseDistance distance)
    {
        CheckMinerName(name, nameof(name));
        Guard.NotNull(distance, nameof(distance));
        var entry = MinerTable[IndexOf(MinerNames, name)];
        return seed => entry.Create(margin, distance, seed);
    }

    /// <summary>The reducer called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="ReducerNames"/>.</exception>
    public static BaseReducer CreateReducer(string name)
    {
        CheckReducerName(name, nameof(name));
        return ReducerTable[IndexOf(ReducerNames, name)]();
    }

    /// <summary>The triplet loss with <paramref name="margin"/> (soft when <paramref name="softMargin"/>), the named reducer, measuring with <paramref name="distance"/>.</summary>
    public static TripletMarginLoss CreateLoss(double margin, bool softMargin, string reducer, BaseDistance distance) =>
        new(margin, softMargin, swap: false, distance: distance, reducer: CreateReducer(reducer));

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="argument"/> unless <paramref name="name"/> is a miner name.</summary>
    public static void CheckMinerName(string? name, string argument) => CheckName(name, MinerNames, "miner", argument);

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="argument"/> unless <paramref name="name"/> is a distance name.</summary>
    public static void CheckDistanceName(string? name, string argument) => CheckName(name, DistanceNames, "distance", argument);

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="argument"/> unless <paramref name="name"/> is a reducer name.</summary>
    public static void CheckReducerName(string? name, string argument) => CheckName(name, ReducerNames, "reducer", argument);

    /// <summary>
    /// The names of a setting whose values are the members of <typeparamref name="TEnum"/> (for example the negative
    /// sampling and the split of interactions): each member in kebab case (<c>LeaveLastOut</c> → <c>leave-last-out</c>),
    /// in declaration order. The enum is the table; this is its one naming rule.
    /// </summary>
    public static IReadOnlyList<string> ChoiceNames<TEnum>() where TEnum : struct, Enum => Enum.GetValues<TEnum>().Select(v => ChoiceName(v)).ToArray();

    /// <summary>The name of <paramref name="value"/> (see <see cref="ChoiceNames{TEnum}"/>).</summary>
    public static string ChoiceName<TEnum>(TEnum value) where TEnum : struct, Enum
    {
        var member = value.ToString();
        var sb = new System.Text.StringBuilder(member.Length + 4);
        for (int i = 0; i < member.Length; i++)
        {
            if (char.IsUpper(member[i]) && i > 0) sb.Append('-');
            sb.Append(char.ToLowerInvariant(member[i]));
        }
        return sb.ToString();
    }

    /// <summary>The member of <typeparamref name="TEnum"/> called <paramref name="name"/> (see <see cref="ChoiceNames{TEnum}"/>).</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="ChoiceNames{TEnum}"/> (ParamName <paramref name="argument"/>).</exception>
    public static TEnum Choice<TEnum>(string? name, string argument) where TEnum : struct, Enum
    {
        foreach (var value in Enum.GetValues<TEnum>())
            if (ChoiceName(value) == name) return value;
        throw new ArgumentException($"'{argument}' must be one of {string.Join(", ", ChoiceNames<TEnum>())}; got '{name}'.", argument);
    }

    private static MinerEntry[] BuildMiners((bool Stochastic, MinerConstructor Create)[] constructors) =>
        constructors.Select(c => new MinerEntry(c.Create(0.2, null, 0).Name, c.Stochastic, c.Create)).ToArray();

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
            if (names[i] == name) return i;
        return -1;
    }

    private static void CheckName(string? name, IReadOnlyList<string> names, string what, string argument)
    {
        if (name is null || !names.Contains(name))
            throw new ArgumentException($"'{argument}' must be one of {string.Join(", ", names)}; got '{name}' (unknown {what}).", argument);
    }
}
