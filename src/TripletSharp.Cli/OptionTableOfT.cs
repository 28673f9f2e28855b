using System.CommandLine;

namespace TripletSharp.Cli;

/// <summary>An <see cref="OptionTable"/> whose rows also bind their values onto a <typeparamref name="TSettings"/>.</summary>
internal sealed class OptionTable<TSettings> : OptionTable
{
    /// <summary>Declares an option and how its value (given or default) is bound onto the settings.</summary>
    public Option<T> Add<T>(Option<T> option, string property, Action<TSettings, T> bind)
    {
        AddRow(new OptionRow(option, property, (parse, settings) => bind((TSettings)settings, parse.GetValue(option)!)));
        return option;
    }

    /// <summary>Binds every row's value (the typed one, or the declared default) onto <paramref name="settings"/>, in table order.</summary>
    public TSettings Bind(ParseResult parse, TSettings settings)
    {
        foreach (var row in this) row.Bind?.Invoke(parse, settings!);
        return settings;
    }
}
