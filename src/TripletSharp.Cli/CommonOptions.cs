using System.CommandLine;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary>Options that several commands declare alike: one declaration each, so their name, help and checks agree.</summary>
internal static class CommonOptions
{
    /// <summary>The saved model folder (eval, embed, search, report).</summary>
    public static Option<string> ModelFolder(string description = "Model folder (for example runs/<timestamp>/model).") =>
        new("--model") { Description = description, Required = true };

    /// <summary>The model folder of a command that reads an index: absent means the model the index was built with.</summary>
    public static Option<string?> ModelOfIndex(string description = "Model folder (default: the one the index was built with); it must be that model.") =>
        Optional<string>("--model", description);

    /// <summary>The dataset; absent means the data the model was trained on (or the bundled sample for train).</summary>
    public static Option<string?> Data(string description) => Optional<string>("--data", description);

    /// <summary>The data format of a command that reads a model's data (absent: the model's own format).</summary>
    public static Option<string?> Format(string description = "Data format: auto, idx, folder or csv.", params string[] more)
    {
        var o = Optional<string>("--format", description);
        o.AcceptOnlyFromAmong([.. FormatNames, .. more]);
        return o;
    }

    /// <summary>
    /// A subset of classes, by name or index (comma-separated), applied to every dataset the command reads
    /// (<see cref="TripletSharp.Data.DataOptions.Classes"/>). <c>all</c> drops a subset the model was trained with.
    /// </summary>
    public static Option<string?> Classes() =>
        Optional<string>("--classes", "Only these classes, by name or index, comma-separated (for example 0,2,3 or Shirt,Coat); 'all' lifts the subset a model was trained on.");

    /// <summary>The parsed <c>--classes</c>: null when absent, an empty array for <c>all</c>.</summary>
    public static string[]? ParseClasses(string? text)
    {
        if (text is null) return null;
        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return [];
        var names = text.Split(',', StringSplitOptions.TrimEntries);
        if (names.Any(n => n.Length == 0)) throw new ArgumentException($"'Classes' must be comma-separated class names or indices, got '{text}'.", "Classes");
        return names;
    }

    /// <summary>Which items of the data: the usual parts, plus the two halves of the test part (validation for calibrating, holdout for reporting).</summary>
    public static Option<string?> Split(string description)
    {
        var o = Optional<string>("--split", description);
        o.AcceptOnlyFromAmong(DataParts.Names);
        return o;
    }

    /// <summary>An index folder.</summary>
    public static Option<string> IndexFolder(string description = "Index folder (made by 'triplet index build').") =>
        new("--index") { Description = description, Required = true };

    /// <summary>JSON output instead of a table.</summary>
    public static Option<bool> Json() => With("--json", "Print JSON instead of a table.", false);

    /// <summary>Leave the report's t-SNE map out.</summary>
    public static Option<bool> NoTsne(string description) => With("--no-tsne", description, false);

    /// <summary>t-SNE iterations of the report's map (train and report share the name; train keeps its old spelling as an alias).</summary>
    public static Option<int> TsneIterations(string description, int defaultValue)
    {
        var o = With("--tsne-iterations", description, defaultValue);
        o.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() <= 0) r.AddError($"--tsne-iterations must be > 0, got {r.GetValueOrDefault<int>()}");
        });
        return o;
    }
}
