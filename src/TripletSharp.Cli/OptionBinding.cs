using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TripletSharp.Data;

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

    /// <summary>Whether the user typed the option (not just its default).</summary>
    public static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>The typed value when the user gave the option, else <paramref name="fallback"/> (used to layer the command line over a saved config).</summary>
    public static T Pick<T>(ParseResult parse, Option<T> option, T fallback) => Given(parse, option) ? parse.GetValue(option)! : fallback;

    public static DataFormat ParseFormat(string value) => value switch
    {
        "idx" => DataFormat.Idx,
        "folder" => DataFormat.Folder,
        "csv" => DataFormat.Csv,
        _ => DataFormat.Auto,
    };

    public static string FormatName(DataFormat format) => format.ToString().ToLowerInvariant();

    public static readonly string[] FormatNames = ["auto", "idx", "folder", "csv"];

    /// <summary>A deep copy of data options (future-proof against new properties).</summary>
    public static DataOptions Clone(DataOptions o) =>
        JsonSerializer.Deserialize<DataOptions>(JsonSerializer.Serialize(o)) ?? new DataOptions();

    /// <summary>Parses "256,128" (an empty string means no hidden layer).</summary>
    public static int[] ParseSizes(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        return text.Split(',', StringSplitOptions.TrimEntries).Select(s =>
            int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v
                : throw new ArgumentException($"'HiddenSizes' must be comma-separated positive integers such as 256,128; got '{text}'.", "HiddenSizes")).ToArray();
    }

    /// <summary>The model's data options with the command line's data path and format on top; an explicit path drops the training slice limits.</summary>
    public static DataOptions DataFor(DataOptions? stored, string? path, string? format)
    {
        var d = stored is null ? new DataOptions() : Clone(stored);
        if (path is not null)
        {
            d.Path = path;
            d.MaxTrainItems = null;
            d.MaxTestItems = null;
            d.Format = DataFormat.Auto;
        }
        if (format is not null) d.Format = ParseFormat(format);
        return d;
    }

    public static string Describe(DatasetSplit s) =>
        $"{(string.IsNullOrEmpty(s.Source) ? "bundled sample" : s.Source)} ({FormatName(s.Format)}): {s.Train.Count} train + {s.Test.Count} test items, " +
        $"{s.Train.ClassNames.Count} classes, {TripletSharp.Models.ModelInput.Describe(s.Train.Kind, s.Train.ItemShape)}";
}
