using TripletSharp.Data;
using TripletSharp.Models;

namespace TripletSharp.Cli;

/// <summary>
/// The parts of a dataset a command can read with <c>--split</c>: all, train, test, and the two fixed halves of the test
/// part: <c>validation</c> (for choosing thresholds) and <c>holdout</c> (for reporting them). The halves are
/// class-stratified by the data seed, so they are the same on every run and never overlap.
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
                var (first, second) = DatasetSplitter.Stratified(test.Labels, 0.5, unchecked(options.Seed * 17 + 5));
                return test.Subset(part == "validation" ? second : first);
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

    /// <summary>Reads and embeds the items of <paramref name="part"/> (checked against the model's input first).</summary>
    public static EmbeddingSet Embed(ModelBundle model, DataOptions options, string part, bool explicitPath)
    {
        using var data = Load(options, part, explicitPath);
        return EmbeddingSet.Create(model, data, part, options.Path ?? "the bundled sample");
    }

    /// <summary>The part a command reads when <c>--split</c> is not given: every item of explicit data, else <paramref name="ownDefault"/> of the model's data.</summary>
    public static string Resolve(string? given, bool explicitPath, string ownDefault) => given ?? (explicitPath ? "all" : ownDefault);
}
