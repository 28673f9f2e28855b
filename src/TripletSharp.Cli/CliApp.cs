using System.CommandLine;
using System.CommandLine.Help;

namespace TripletSharp.Cli;

/// <summary>The <c>triplet</c> root command: parses, reports usage errors in one line, and maps failures to exit codes.</summary>
internal static class CliApp
{
    /// <summary>Runs the command line and returns the exit code. Output goes to the given writers (the console by default).</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, CancellationToken cancellationToken = default, bool handleSignals = true)
    {
        bool console = stdout is null;
        var ctx = new CliContext(stdout ?? Console.Out, stderr ?? Console.Error, console && !Console.IsOutputRedirected, cancellationToken, handleSignals);
        var root = BuildRoot(ctx);
        ParseResult parse;
        try
        {
            parse = root.Parse(args);
        }
        catch (Exception e)
        {
            return ErrorReporter.Report(e, ctx.Err, "triplet");
        }
        var commandName = CommandPath(parse);
        if (parse.Action is not HelpAction && parse.Errors.Count > 0)
        {
            ctx.Err.WriteLine($"{commandName}: {OneLine(parse.Errors[0].Message)} (see '{commandName} --help').");
            return ExitCodes.Usage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = ctx.Out, Error = ctx.Err, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return ErrorReporter.Report(e, ctx.Err, commandName);
        }
    }

    internal static RootCommand BuildRoot(CliContext ctx)
    {
        var root = new RootCommand("TripletSharp: train embedding models with triplet loss, evaluate, embed and search.")
        {
            TrainCommand.Create(ctx),
            EvalCommand.Create(ctx),
            EmbedCommand.Create(ctx),
            SearchCommand.Create(ctx),
        };
        root.SetAction(_ =>
        {
            ctx.Err.WriteLine("triplet: a command is required: train, eval, embed or search (see 'triplet --help').");
            return ExitCodes.Usage;
        });
        return root;
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(r.Command is RootCommand ? "triplet" : r.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    internal static string OneLine(string message)
    {
        var line = message.ReplaceLineEndings(" ").Trim();
        return line.EndsWith('.') ? line[..^1] : line;
    }
}
