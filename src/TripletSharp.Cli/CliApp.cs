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
            var error = parse.Errors[0];
            var message = OneLine(error.Message);
            var option = OptionOf(error.SymbolResult);
            if (option is not null && !message.Contains(option, StringComparison.Ordinal)) message = $"{option}: {message}";
            ctx.Err.WriteLine($"{commandName}: {message} (see '{commandName} --help').");
            return ExitCodes.Usage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = ctx.Out, Error = ctx.Err, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return ErrorReporter.Report(e, ctx.Err, commandName, (parse.CommandResult.Command as TableCommand)?.Table);
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
            ReportCommand.Create(ctx),
            ExportCommand.Create(ctx),
            ServeCommand.Create(ctx),
            IndexCommand.Create(ctx),
            CalibrateCommand.Create(ctx),
            MatchCommand.Create(ctx),
            RecommendCommand.Create(ctx),
            RecommendCommand.CreateSimilar(ctx),
        };
        root.SetAction(_ =>
        {
            ctx.Err.WriteLine("triplet: a command is required: train, eval, embed, search, report, index, calibrate, match, recommend or similar (see 'triplet --help').");
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

    private static string? OptionOf(System.CommandLine.Parsing.SymbolResult? result)
    {
        for (var r = result; r is not null; r = r.Parent)
            if (r is System.CommandLine.Parsing.OptionResult o) return o.Option.Name;
        return null;
    }

    internal static string OneLine(string message)
    {
        var line = System.Text.RegularExpressions.Regex.Replace(message, @"\s+", " ").Trim();
        return line.EndsWith('.') ? line[..^1] : line;
    }
}
