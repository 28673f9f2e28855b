using System.CommandLine;

namespace TripletSharp.Cli;

/// <summary>A command built from an <see cref="OptionTable"/>; the table names its options in error messages.</summary>
internal sealed class TableCommand(string name, string description, OptionTable table) : Command(name, description)
{
    /// <summary>The command's options.</summary>
    public OptionTable Table { get; } = table;
}
