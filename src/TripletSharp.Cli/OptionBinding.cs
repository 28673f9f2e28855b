using System.CommandLine;
using System.Globalization;
using TripletSharp.Data;
using TripletSharp.Models;

namespace TripletSharp.Cli;

/// <summary>Small helpers to declare options and bind them onto the library's option objects.</summary>
internal static class OptionBinding
{
    /// <summary>An option whose help shows <paramref name="defaultValue"/>.</summary>
    public static Option<T> With<T>(string name, string description, T defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    /// <summary>An option with no default (null when not given).</summary>
    public static Option<T?> Optional<T>(string name, string description) => new(name) { Description = description };

    /// <summary>A string option restricted to <paramref name="values"/>.</summary>
    public static Option<string> Choice(string name, string description, string defaultValue, IEnumerable<string> values)
    {
        var o = With(name, description, defaultValue);
        o.AcceptOnlyFromAmong(values.ToArray());
        return o;
    }

    public static DataFormat ParseFormat(string value) => value switch
    {
        "idx" => DataFormat.Idx,
        "folder" => DataFormat.Folder,
        "csv" => DataFormat.Csv,
        _ => DataFormat.Auto,
    };

    public static string FormatName(DataFormat format) => format.ToString().ToLowerInvariant();

    public static readonly string[] FormatNames = ["auto", "idx", "folder", "csv"];

    /// <summary>Parses "256,128" (an empty string means no hidden layer).</summary>
    public static int[] ParseSizes(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        return text.Split(',', StringSplitOptions.TrimEntries).Select(s =>
            int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v
                : throw new ArgumentException($"'HiddenSizes' must be comma-separated positive integers such as 256,128; got '{text}'.", "HiddenSizes")).ToArray();
    }

    /// <summary>
    /// The model's data options with the command line's data path, format and class subset on top; an explicit path
    /// drops the training slice limits and the model's class subset (other data may have other classes), and
    /// <c>--classes all</c> (an empty array) drops the subset too.
    /// </summary>
    public static DataOptions DataFor(DataOptions? stored, string? path, string? format, string[]? classes)
    {
        var d = DataFor(stored, path, format);
        if (path is not null) d = d with { Classes = null };
        if (classes is not null) d = d with { Classes = classes.Length == 0 ? null : classes };
        return d;
    }

    /// <summary>The model's data options with the command line's data path and format on top; an explicit path drops the training slice limits.</summary>
    public static DataOptions DataFor(DataOptions? stored, string? path, string? format)
    {
        // A model without data options was trained before the resize was recorded: it stretched.
        var d = stored is null ? new DataOptions { Resize = DataOptions.UnrecordedResize } : stored.Copy();
        if (path is not null) d = d with { Path = path, MaxTrainItems = null, MaxTestItems = null, MaxItems = null, Format = DataFormat.Auto };
        if (format is not null) d = d with { Format = ParseFormat(format) };
        return d;
    }

    /// <summary>
    /// Reads and embeds the chosen items. Test: the test part as training split it (slices included); train: the
    /// training part; all: without <paramref name="explicitPath"/> the model's train and test parts, with it every item
    /// of the data, unsplit (one class is enough).
    /// </summary>
    public static EmbeddingSet Embed(ModelBundle model, DataOptions options, SplitSelection which, bool explicitPath)
    {
        var source = options.Path ?? "the bundled sample";
        ResourceCheck.ForEmbedding(model, options);
        switch (which)
        {
            case SplitSelection.Test:
            {
                using var test = DatasetLoader.LoadTest(options);
                return EmbeddingSet.Create(model, test, "test", source);
            }
            case SplitSelection.All when explicitPath:
            {
                using var all = DatasetLoader.LoadAll(options);
                return EmbeddingSet.Create(model, all, "all", source);
            }
            default:
            {
                using var split = DatasetLoader.Load(options);
                return EmbeddingSet.Create(model, split, which);
            }
        }
    }

    public static string Describe(EmbeddingSet set, DataOptions options) =>
        $"{options.Path ?? "bundled sample"}: {set.Count} items, {set.ClassNames.Count} classes";

    /// <summary>The training data in words; multi-label data adds the training split's label counts (<see cref="LabelCounts"/>).</summary>
    public static string Describe(DatasetSplit s) =>
        $"{(string.IsNullOrEmpty(s.Source) ? "bundled sample" : s.Source)} ({FormatName(s.Format)}): {s.Train.Count} train + {s.Test.Count} test items, " +
        $"{s.Train.ClassNames.Count} classes, {TripletSharp.Models.ModelInput.Describe(s.Train.Kind, s.Train.ItemShape)}" +
        (LabelCounts.Of(s.Train) is { } counts ? $"; training split {counts.Describe(s.Train.ClassNames)}" : "");
}
