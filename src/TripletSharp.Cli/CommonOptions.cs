using System.CommandLine;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary>Options that several commands declare alike: one declaration each, so their name, help and checks agree.</summary>
internal static class CommonOptions
{
    /// <summary>The saved model folder (eval, embed, search, report).</summary>
    public static Option<string> ModelFolder(string description = "Model folder (for example runs/<timestamp>/model).") =>
        new("--model") { Description = description, Required = true };

    /// <summary>The dataset; absent means the data the model was trained on (or the bundled sample for train).</summary>
    public static Option<string?> Data(string description) => Optional<string>("--data", description);

    /// <summary>The data format of a command that reads a model's data (absent: the model's own format).</summary>
    public static Option<string?> Format(string description = "Data format: auto, idx, folder or csv.")
    {
        var o = Optional<string>("--format", description);
        o.AcceptOnlyFromAmong(FormatNames);
        return o;
    }

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
