using System.CommandLine;

namespace TripletSharp.Cli;

/// <summary>One option of an <see cref="OptionTable"/>: its declaration, the property it sets, and its binding (if the table binds).</summary>
internal sealed record OptionRow(Option Option, string Property, Action<ParseResult, object>? Bind)
{
    /// <summary>Whether the user typed the option (not just its default).</summary>
    public bool IsGiven(ParseResult parse) => parse.GetResult(Option) is { Implicit: false };
}
