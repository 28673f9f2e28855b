using TripletSharp.Cli;
using TripletSharp.Tests.Models;
using TripletSharp.Training;

namespace TripletSharp.Tests.Cli;

/// <summary>
/// A full disk or a read-only output folder in the middle of training: a clear one-line error, a distinct code, and the
/// previous checkpoint intact and resumable. Tests run as root in CI, where permission bits stop nothing, so the failure
/// is injected at <see cref="AtomicFile"/> (the one place the tool writes files) with the exception the OS would raise.
/// </summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class DiskFullTests
{
    [Theory]
    [InlineData("full")]
    [InlineData("readonly")]
    public void WriteFailureMidRun_ClearError_PreviousCheckpointIntact_ResumeFinishes(string kind)
    {
        using var dir = new TestFolder("ts-full");
        var run = dir["run"];
        var checkpoint = Path.Combine(new RunFolder(run).CheckpointDirectory, Checkpoint.FileName);
        string[] args = ["train", "--max-train-items", "200", "--max-test-items", "50", "--epochs", "2", "--batches-per-epoch", "3",
            "--classes-per-batch", "4", "--samples-per-class", "4", "--threads", "1", "--seed", "3", "--checkpoint-every", "1",
            "--progress", "plain", "--out", run];

        byte[]? before = null;
        string? failedPath = null;
        AtomicFile.FaultInjector.Value = path =>
        {
            // Let the first checkpoint through, then fail every write into the run folder.
            if (!File.Exists(checkpoint) || !path.StartsWith(run, StringComparison.Ordinal)) return;
            before ??= File.ReadAllBytes(checkpoint);
            failedPath ??= path;
            throw kind == "full"
                ? new IOException($"No space left on device : '{path}'", 28)
                : new UnauthorizedAccessException($"Access to the path '{path}' is denied.");
        };
        int code;
        string err;
        try
        {
            (code, _, err) = CliRunner.Run(args);
        }
        finally
        {
            AtomicFile.FaultInjector.Value = null;
        }

        Assert.Equal(ExitCodes.Io, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(failedPath!, lines[0]);
        Assert.Contains(kind == "full" ? "disk is full" : "permissions", lines[0]);
        Assert.DoesNotContain("   at ", err);

        Assert.Equal(before, File.ReadAllBytes(checkpoint));
        var (state, _, _) = Checkpoint.Load(Path.GetDirectoryName(checkpoint)!);
        Assert.Equal(1, state.NextBatch);
        Assert.Empty(Directory.GetFiles(run, "*.tmp", SearchOption.AllDirectories));

        var (resumed, output, err2) = CliRunner.Run([.. args, "--resume"]);
        Assert.True(resumed == 0, err2);
        Assert.Contains("done: best epoch", output);
        Assert.True(File.Exists(Path.Combine(run, "metrics.json")));
    }
}
