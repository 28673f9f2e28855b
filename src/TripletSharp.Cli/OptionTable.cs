using System.Collections;
using System.CommandLine;

namespace TripletSharp.Cli;

/// <summary>
/// One command's options, each declared once: the System.CommandLine option (parsing, validation, help text and
/// default), the library property it sets (the name an <see cref="ArgumentException"/> uses, mapped back to the option in
/// error messages, and the name the resume merge knows it by), and how its value is bound onto the command's settings.
/// </summary>
internal class OptionTable : IEnumerable<OptionRow>
{
    private readonly List<OptionRow> rows = [];

    /// <summary>Declares an option the command's action reads itself; <paramref name="property"/> defaults to the option's name in PascalCase.</summary>
    public Option<T> Add<T>(Option<T> option, string? property = null)
    {
        AddRow(new OptionRow(option, property ?? PropertyOf(option.Name), null));
        return option;
    }

    /// <summary>Adds a row.</summary>
    protected void AddRow(OptionRow row)
    {
        if (rows.Any(r => r.Option.Name == row.Option.Name)) throw new InvalidOperationException($"{row.Option.Name} is declared twice.");
        rows.Add(row);
    }

    /// <summary>The option that sets <paramref name="property"/>, if one does.</summary>
    public Option? OptionFor(string property) => rows.FirstOrDefault(r => r.Property == property)?.Option;

    /// <summary>The properties set by options the user typed (not left at their defaults).</summary>
    public IReadOnlyList<string> GivenProperties(ParseResult parse) =>
        rows.Where(r => r.IsGiven(parse)).Select(r => r.Property).Distinct().ToList();

    /// <summary>A command holding every option of the table.</summary>
    public TableCommand CreateCommand(string name, string description)
    {
        var command = new TableCommand(name, description, this);
        foreach (var r in rows) command.Options.Add(r.Option);
        return command;
    }

    /// <summary>"--max-queries" → "MaxQueries".</summary>
    internal static string PropertyOf(string optionName) =>
        string.Concat(optionName.TrimStart('-').Split('-', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    /// <inheritdoc/>
    public IEnumerator<OptionRow> GetEnumerator() => rows.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
