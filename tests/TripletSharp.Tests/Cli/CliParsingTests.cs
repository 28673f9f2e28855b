using TripletSharp.Cli;
using TripletSharp.Data;
using TripletSharp.Models;
using TripletSharp.Tests.Models;
using TripletSharp.Training;

namespace TripletSharp.Tests.Cli;

public class CliParsingTests
{
    [Theory]
    [InlineData("train", "--classes-per-batch", "--samples-per-class", "--miner", "--resume", "--threads", "--soft-margin")]
    [InlineData("eval", "--model", "--data", "--pairs", "--json")]
    [InlineData("embed", "--model", "--data", "--out")]
    [InlineData("search", "--model", "--gallery", "--query", "--k", "--json")]
    public void Help_ListsTheOptions_AndExitsZero(string command, params string[] options)
    {
        var (code, output, err) = CliRunner.Run(command, "--help");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        foreach (var o in options) Assert.Contains(o, output);
        var root = CliRunner.Run("--help");
        Assert.Equal(0, root.Code);
        Assert.Contains(command, root.Out);
    }

    [Theory]
    [InlineData("--unknown-option", "Unrecognized command or argument '--unknown-option'", "train", "--unknown-option")]
    [InlineData("--epochs", "Cannot parse argument 'ten'", "train", "--epochs", "ten")]
    [InlineData("--margin", "Cannot parse argument '0,2x'", "train", "--margin", "0,2x")]
    [InlineData("--miner", "'hardest' not recognized", "train", "--miner", "hardest")]
    [InlineData("--model", "Option '--model' is required", "eval")]
    [InlineData("--gallery", "give either --gallery D", "search", "--model", "m", "--query", "q")]
    [InlineData("--out", "Option '--out' is required", "embed", "--model", "m")]
    [InlineData("--epochs", "--epochs must be > 0", "train", "--epochs", "0")]
    [InlineData("--classes-per-batch", "--classes-per-batch must be >= 2", "train", "--classes-per-batch", "1")]
    [InlineData("--lr", "--lr must be a finite number > 0", "train", "--lr", "-1")]
    [InlineData("--threads", "--threads must be > 0", "train", "--threads", "0")]
    [InlineData("--out", "--resume needs --out", "train", "--resume")]
    [InlineData("--hidden-sizes", "--hidden-sizes must be comma-separated", "train", "--hidden-sizes", "64,x")]
    [InlineData("--k", "must be > 0", "search", "--model", "m", "--gallery", "g", "--query", "q", "--k", "0")]
    public void BadInput_ExitsWithUsageCode_AndOneClearLine(string option, string expected, params string[] args)
    {
        var (code, output, err) = CliRunner.Run(args);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(expected, lines[0]);
        Assert.Contains(option.TrimStart('-').Split('-')[0], lines[0]);
        Assert.StartsWith("triplet " + args[0], lines[0]);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void NoCommand_IsAUsageError()
    {
        var (code, _, err) = CliRunner.Run();
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("a command is required", err);
    }

    [Fact]
    public void MissingOrBrokenModelFolder_IsAModelError_NamingTheFile()
    {
        using var dir = new TestFolder();
        var (code, _, err) = CliRunner.Run("eval", "--model", dir["nope"]);
        Assert.Equal(ExitCodes.Model, code);
        Assert.Contains("nope: no such model folder", err);

        Directory.CreateDirectory(dir["half"]);
        (code, _, err) = CliRunner.Run("embed", "--model", dir["half"], "--out", dir["e.csv"]);
        Assert.Equal(ExitCodes.Model, code);
        Assert.Contains(Path.Combine(dir["half"], "model.json"), err);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(dir["e.csv"]));
    }

    [Fact]
    public void EmbedToUnknownExtension_IsAUsageError()
    {
        using var dir = new TestFolder();
        var (code, _, err) = CliRunner.Run("embed", "--model", dir.Path, "--out", dir["e.txt"]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(".csv, .npy or .parquet", err);
    }

    [Fact]
    public void Errors_MapToDistinctCodes_WithOneLine()
    {
        Assert.Equal(ExitCodes.Data, ErrorReporter.Classify(new DataFormatException("a.csv", "non-numeric cell", 7)).Code);
        Assert.Contains("a.csv, record 7: non-numeric cell", ErrorReporter.Classify(new DataFormatException("a.csv", "non-numeric cell", 7)).Message);
        Assert.Equal(ExitCodes.Model, ErrorReporter.Classify(new ModelFormatException("m/model.json", "missing")).Code);
        Assert.Equal(ExitCodes.Model, ErrorReporter.Classify(new ModelInputMismatchException("m", "grey images 1×28×28", "colour images 3×28×28")).Code);
        Assert.Equal(ExitCodes.NonFiniteLoss, ErrorReporter.Classify(new NonFiniteLossException("loss", double.NaN, 3, 17, "c")).Code);
        var disk = ErrorReporter.Classify(new IOException("No space left on device : '/x/checkpoint.json'"));
        Assert.Equal(ExitCodes.Io, disk.Code);
        Assert.Contains("disk is full", disk.Message);
        Assert.Equal(ExitCodes.Io, ErrorReporter.Classify(new UnauthorizedAccessException("Access to the path '/ro/x' is denied.")).Code);
        var native = ErrorReporter.Classify(new TypeInitializationException("TorchSharp.torch", new DllNotFoundException("libLibTorchSharp.so")));
        Assert.Equal(ExitCodes.NativeLibrary, native.Code);
        Assert.Contains("dotnet build -c Release", native.Message);
        Assert.Equal(ExitCodes.Failure, ErrorReporter.Classify(new InvalidOperationException("x\ny")).Code);
        foreach (var (_, m) in new[] { disk, native }) Assert.DoesNotContain("\n", m);
    }

    [Fact]
    public void ArgumentMessages_UseTheOptionNames()
    {
        var e = new ArgumentOutOfRangeException(nameof(TrainerOptions.SamplesPerClass), 1, "'SamplesPerClass' must be >= 2, got 1.");
        Assert.Equal("--samples-per-class must be >= 2, got 1.", ErrorReporter.ArgumentMessage(e, TrainCommand.Options()));
    }
}
