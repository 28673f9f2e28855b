using System.CommandLine;
using System.CommandLine.Completions;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using TripletSharp.Cli;
using TripletSharp.Reporting;
using TripletSharp.Tests.Models;
using TripletSharp.Training;

namespace TripletSharp.Tests.Cli;

/// <summary>Each command's options come from one table: help, binding and error messages agree with it.</summary>
public class OptionTableTests
{
    private static readonly CliContext Context = new(TextWriter.Null, TextWriter.Null, false, default, false);

    /// <summary>Every command with options, at any depth (index build, add and info sit under 'index').</summary>
    private static IEnumerable<TableCommand> Commands() => Paths().Select(p => p.Command);

    /// <summary>Every command with options and its path below the root ("train", "index build").</summary>
    private static IEnumerable<(string Path, TableCommand Command)> Paths() =>
        Flatten(CliApp.BuildRoot(Context), "").Where(x => x.Command is TableCommand).Select(x => (x.Path, (TableCommand)x.Command));

    private static IEnumerable<(string Path, System.CommandLine.Command Command)> Flatten(System.CommandLine.Command c, string prefix) =>
        c.Subcommands.SelectMany(s => new[] { (prefix + s.Name, s) }.Concat(Flatten(s, prefix + s.Name + " ")));

    public static TheoryData<string> CommandNames() => new(Paths().Select(c => c.Path));

    private static TableCommand Command(string path) => Paths().Single(c => c.Path == path).Command;

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void EveryDeclaredOption_AppearsInHelp(string command)
    {
        var (code, output, err) = CliRunner.Run([.. command.Split(' '), "--help"]);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        var declared = Command(command);
        var table = declared.Table;
        Assert.NotEmpty(table);
        foreach (var row in table)
        {
            Assert.Contains(row.Option.Name, output);
            if (!row.Option.Hidden) Assert.Contains(row.Option.Description!.Split(' ')[0], output);
        }
        Assert.Equal(table.Select(r => r.Option), declared.Options.Where(o => o.Name != "--help"));
    }

    [Fact]
    public void EveryTrainOption_BindsOntoTheSettings()
    {
        var table = TrainCommand.Options();
        AssertEveryRowBinds(table, () => new TrainSettings());
    }

    [Fact]
    public void EveryReportOption_ThatBinds_ChangesTheReportOptions()
    {
        var table = (OptionTable<ReportRequest>)Command("report").Table;
        AssertEveryRowBinds(table, () => new ReportRequest(), "--model", "m");
    }

    private static void AssertEveryRowBinds<T>(OptionTable<T> table, Func<T> create, params string[] required)
    {
        var command = table.CreateCommand("probe", "probe");
        string Bound(params string[] args)
        {
            var parse = command.Parse([.. required, .. args]);
            Assert.Empty(parse.Errors);
            return JsonSerializer.Serialize(table.Bind(parse, create()));
        }
        var defaults = Bound();
        foreach (var row in table.Where(r => r.Bind is not null))
        {
            var args = SampleArgs(row.Option);
            Assert.True(defaults != Bound(args), $"{string.Join(' ', args)} changed nothing");
        }
    }

    /// <summary>A value other than the option's default: the flag for a switch, another choice, or a number no default uses.</summary>
    private static string[] SampleArgs(Option option)
    {
        if (option.ValueType == typeof(bool)) return [option.Name];
        var choices = option.GetCompletions(CompletionContext.Empty).Select(c => c.Label).ToList();
        var defaultText = option.HasDefaultValue ? Convert.ToString(option.GetDefaultValue(), System.Globalization.CultureInfo.InvariantCulture) : null;
        if (choices.Count > 0) return [option.Name, choices.First(c => c != defaultText)];
        if (option.ValueType == typeof(double)) return [option.Name, "0.5"];
        return [option.Name, "3"];
    }

    [Fact]
    public void StepScheduleOptions_ReachTheTrainerOptions()
    {
        var table = TrainCommand.Options();
        var parse = table.CreateCommand("train", "t").Parse(["--schedule", "step", "--step-epochs", "2", "--step-gamma", "0.5", "--lr", "0.01", "--out", "x"]);
        var options = TrainCommand.Settings(table, parse).Trainer;
        Assert.Equal(LearningRateSchedule.Step, options.Schedule);
        Assert.Equal(2, options.StepEpochs);
        Assert.Equal(0.5, options.StepGamma);
        Assert.Equal(0.01 * 0.5, options.LearningRateAt(epoch: 2, step: 0, totalSteps: 1), 15);

        var (code, output, err) = CliRunner.Run("train", "--step-gamma", "2", "--out", "never-created");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.StartsWith("triplet train: --step-gamma must be", err);
        Assert.False(Directory.Exists("never-created"));
    }

    [Fact]
    public void TsneIterations_HasOneName_InTrainAndReport_AndOneFormula()
    {
        var train = Command("train").Table.OptionFor(nameof(TsneOptions.Iterations))!;
        var report = Command("report").Table.OptionFor(nameof(TsneOptions.Iterations))!;
        Assert.Equal("--tsne-iterations", train.Name);
        Assert.Equal(train.Name, report.Name);

        var table = TrainCommand.Options();
        var command = table.CreateCommand("train", "t");
        Assert.Equal(500, table.Bind(command.Parse([]), new TrainSettings()).Report.ToOptions().Tsne.Iterations);
        Assert.Equal(125, table.Bind(command.Parse([]), new TrainSettings()).Report.ToOptions().Tsne.ExaggerationIterations);
        var old = table.Bind(command.Parse(["--report-tsne-iterations", "2000"]), new TrainSettings()).Report.ToOptions().Tsne;
        Assert.Equal((2000, 250), (old.Iterations, old.ExaggerationIterations));

        var (code, _, err) = CliRunner.Run("report", "--model", "m", "--tsne-iterations", "0");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--tsne-iterations must be > 0", err);
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void ErrorReporter_NamesEveryOption_ByTheLibraryParameterItSets(string command)
    {
        var table = Command(command).Table;
        foreach (var row in table)
        {
            var quoted = ErrorReporter.Classify(new ArgumentOutOfRangeException(row.Property, 0, $"'{row.Property}' must be > 0, got 0."), table);
            Assert.Equal(ExitCodes.Usage, quoted.Code);
            Assert.Equal($"{row.Option.Name} must be > 0, got 0.", quoted.Message);
            var unquoted = ErrorReporter.Classify(new ArgumentException("the value does not fit the data.", row.Property), table);
            Assert.Equal($"{row.Option.Name}: the value does not fit the data.", unquoted.Message);
        }
    }

    [Fact]
    public void ResumingWithAConflictingOption_IsAUsageError_NamingTheOption_BeforeAnyData()
    {
        using var dir = new TestFolder();
        var run = dir["run"];
        Directory.CreateDirectory(run);
        new RunConfig { Trainer = new TrainerOptions { Epochs = 3, Threads = 2, OutputDirectory = run }, Data = new() { Path = dir["absent.csv"] } }.Save(new RunFolder(run).ConfigPath);

        var (code, output, err) = CliRunner.Run("train", "--out", run, "--resume", "--epochs", "5");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.StartsWith($"triplet train: --epochs is 5, but the run being resumed was started with 3 ({new RunFolder(run).ConfigPath});", err);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var table = TrainCommand.Options();
        var s = TrainCommand.Settings(table, table.CreateCommand("train", "t").Parse(["--out", run, "--resume", "--threads", "1", "--epochs", "3"]));
        Assert.Equal((3, 1, dir["absent.csv"]), (s.Trainer.Epochs, s.Trainer.Threads, s.Data.Path));
    }

    [Fact]
    public void TheLibrary_DoesNotUseTheConsole()
    {
        using var stream = File.OpenRead(typeof(Trainer).Assembly.Location);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var console = md.TypeReferences.Select(md.GetTypeReference)
            .Where(t => md.GetString(t.Namespace) == "System" && md.GetString(t.Name) == "Console");
        Assert.Empty(console);
    }
}
