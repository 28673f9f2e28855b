using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using TripletSharp.Data;

namespace TripletSharp.Training;

/// <summary>
/// The resume policy: a resumed run's saved <c>config.json</c> is the base, and options given again must match it.
/// Only the options named as given are taken from the request; every other one keeps its saved (resolved) value, so
/// <c>triplet train --out DIR --resume</c> needs nothing else. A given option that differs from the saved value is refused,
/// naming it, except those in <see cref="MayDiffer"/> (threads, folder, checkpoint cadence, floor timing), which change
/// how the run is executed, not what it computes.
/// </summary>
public static class ResumeMerge
{
    /// <summary>Options that may differ from the saved run's: they do not change the numbers a run produces.</summary>
    public static IReadOnlySet<string> MayDiffer { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        nameof(TrainerOptions.Threads),
        nameof(TrainerOptions.OutputDirectory),
        nameof(TrainerOptions.Resume),
        nameof(TrainerOptions.CheckpointEveryBatches),
        nameof(TrainerOptions.MeasureFloor),
        nameof(TrainerOptions.EvalBatchSize),
    };

    /// <summary>
    /// The configuration to resume with: <paramref name="saved"/>, with the properties named in <paramref name="given"/>
    /// taken from <paramref name="trainer"/> and <paramref name="data"/> (a name may belong to both, like <c>Seed</c>).
    /// </summary>
    /// <param name="saved">The run's saved configuration.</param>
    /// <param name="trainer">Trainer options as requested now (only the given properties are read).</param>
    /// <param name="data">Data options as requested now (only the given properties are read).</param>
    /// <param name="given">Property names (of <see cref="TrainerOptions"/> or <see cref="DataOptions"/>) the user set explicitly.</param>
    /// <param name="source">Where <paramref name="saved"/> was read from (named in the refusal), if anywhere.</param>
    /// <exception cref="ArgumentException">A given option differs from the saved one; its parameter name is the property's.</exception>
    public static RunConfig Merge(RunConfig saved, TrainerOptions trainer, DataOptions data, IEnumerable<string> given, string? source = null)
    {
        Guard.NotNull(saved, nameof(saved));
        Guard.NotNull(trainer, nameof(trainer));
        Guard.NotNull(data, nameof(data));
        Guard.NotNull(given, nameof(given));
        var names = new HashSet<string>(given, StringComparer.Ordinal);
        var mergedTrainer = saved.Trainer with { };
        Overlay(typeof(TrainerOptions), mergedTrainer, saved.Trainer, trainer, names, source);
        var mergedData = saved.Data.Copy();
        Overlay(typeof(DataOptions), mergedData, saved.Data, data, names, source);
        return saved with { Trainer = mergedTrainer, Data = mergedData };
    }

    /// <summary><paramref name="saved"/> with the properties named in <paramref name="given"/> taken from <paramref name="requested"/>.</summary>
    /// <exception cref="ArgumentException">A given option differs from the saved one and may not (see <see cref="MayDiffer"/>).</exception>
    public static TrainerOptions Merge(TrainerOptions saved, TrainerOptions requested, IEnumerable<string> given)
    {
        Guard.NotNull(saved, nameof(saved));
        Guard.NotNull(requested, nameof(requested));
        Guard.NotNull(given, nameof(given));
        var merged = saved with { };
        Overlay(typeof(TrainerOptions), merged, saved, requested, given.ToHashSet(StringComparer.Ordinal), null);
        return merged;
    }

    /// <summary><paramref name="saved"/> with the properties named in <paramref name="given"/> taken from <paramref name="requested"/>.</summary>
    /// <exception cref="ArgumentException">A given option differs from the saved one.</exception>
    public static DataOptions Merge(DataOptions saved, DataOptions requested, IEnumerable<string> given)
    {
        Guard.NotNull(saved, nameof(saved));
        Guard.NotNull(requested, nameof(requested));
        Guard.NotNull(given, nameof(given));
        var merged = saved.Copy();
        Overlay(typeof(DataOptions), merged, saved, requested, given.ToHashSet(StringComparer.Ordinal), null);
        return merged;
    }

    private static void Overlay(
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type,
        object merged, object saved, object requested, HashSet<string> given, string? source)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!given.Contains(p.Name) || p.SetMethod is not { IsPublic: true } || p.GetIndexParameters().Length > 0) continue;
            var now = p.GetValue(requested);
            // Null asks for the automatic value; the saved run holds the one it resolved to (model kind, batches per epoch).
            if (now is null) continue;
            var then = p.GetValue(saved);
            if (!Same(p.Name, then, now) && !MayDiffer.Contains(p.Name))
                throw new ArgumentException(
                    $"'{p.Name}' is {Show(now)}, but the run being resumed was started with {Show(then)}{(source is null ? "" : $" ({source})")}; leave the option out to keep the saved value, or start a new run.",
                    p.Name);
            p.SetValue(merged, now);
        }
    }

    private static bool Same(string name, object? a, object? b)
    {
        if (a is string x && b is string y && name == nameof(DataOptions.Path))
            return string.Equals(System.IO.Path.GetFullPath(x), System.IO.Path.GetFullPath(y), StringComparison.Ordinal);
        return StructuralComparisons.StructuralEqualityComparer.Equals(a, b);
    }

    private static string Show(object? value) => value switch
    {
        null => "automatic",
        string s => $"'{s}'",
        Enum e => e.ToString().ToLowerInvariant(),
        IEnumerable list => string.Join(",", list.Cast<object?>().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
