using TripletSharp.Data;
using TripletSharp.Models;

namespace TripletSharp.Cli;

/// <summary>
/// The parts of a dataset a command can read with <c>--split</c>: all, train, test, and the two fixed halves of the test
/// part: <c>validation</c> (for choosing thresholds) and <c>holdout</c> (for reporting them). The halves are
/// split per class by the data seed and the class name (<see cref="Half"/>), so they are the same on every run and never overlap.
/// </summary>
internal static class DataParts
{
    public static readonly string[] Names = ["all", "train", "test", "validation", "holdout"];

    /// <summary>Reads the items of <paramref name="part"/>; <paramref name="explicitPath"/>: the data is not the model's own, so "all" is every item unsplit.</summary>
    public static Dataset Load(DataOptions options, string part, bool explicitPath)
    {
        switch (part)
        {
            case "test":
                return DatasetLoader.LoadTest(options);
            case "validation" or "holdout":
            {
                using var test = DatasetLoader.LoadTest(options);
                return test.Subset(Half(test, options.Seed, part == "validation"));
            }
            case "all" when explicitPath:
                return DatasetLoader.LoadAll(options);
            default:
            {
                using var split = DatasetLoader.Load(options);
                return part == "train"
                    ? split.Train.Subset(Enumerable.Range(0, split.Train.Count).ToArray())
                    : Dataset.Concat([split.Train, split.Test]);
            }
        }
    }

    /// <summary>
    /// One half of every class of <paramref name="data"/>: each class's items (in data order) shuffled by a seed made
    /// of the data seed and the class name, the first half (rounded up) for validation. It depends only on the class's own
    /// items, so a class gets the same halves whichever other classes are selected (--classes): validation items of a
    /// model trained on 8 classes are never holdout items of all 10.
    /// </summary>
    internal static int[] Half(Dataset data, int seed, bool validation)
    {
        var rows = new List<int>();
        foreach (var group in Enumerable.Range(0, data.Count).GroupBy(i => data.ClassNames[(int)data.Labels[i]]))
        {
            var members = group.ToArray();
            var rng = new Random(unchecked(seed * 31 + StableHash(group.Key)));
            for (int i = members.Length - 1; i > 0; i--)
            {
                int j = rng.Next(i + 1);
                (members[i], members[j]) = (members[j], members[i]);
            }
            int cut = (members.Length + 1) / 2;
            rows.AddRange(validation ? members[..cut] : members[cut..]);
        }
        rows.Sort();
        return rows.ToArray();
    }

    /// <summary>FNV-1a of the UTF-16 code units: the same on every run and platform (string.GetHashCode is not).</summary>
    private static int StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char c in s) h = (h ^ c) * 16777619;
        return (int)h;
    }

    /// <summary>Reads and embeds the items of <paramref name="part"/> (checked against the model's input first).</summary>
    public static EmbeddingSet Embed(ModelBundle model, DataOptions options, string part, bool explicitPath)
    {
        ResourceCheck.ForEmbedding(model, options);
        using var data = Load(options, part, explicitPath);
        return EmbeddingSet.Create(model, data, part, options.Path ?? "the bundled sample");
    }

    /// <summary>The part a command reads when <c>--split</c> is not given: every item of explicit data, else <paramref name="ownDefault"/> of the model's data.</summary>
    public static string Resolve(string? given, bool explicitPath, string ownDefault) => given ?? (explicitPath ? "all" : ownDefault);
}
