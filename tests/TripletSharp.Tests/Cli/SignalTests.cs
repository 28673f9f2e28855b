using System.Diagnostics;
using System.Text.Json.Nodes;
using TripletSharp.Cli;
using TripletSharp.Tests.Models;

namespace TripletSharp.Tests.Cli;

/// <summary>SIGINT and SIGTERM sent to a real <c>triplet train</c> process: it stops within a batch, checkpoints, and says how to resume.</summary>
public class SignalTests
{
    [Fact]
    public void SigintAndSigterm_StopWithACheckpoint_DistinctCodes_AndAResumeHint()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TestFolder("ts-sig");
        var run = dir["run"];
        string[] train = ["train", "--max-train-items", "100", "--max-test-items", "50", "--epochs", "1", "--batches-per-epoch", "1000",
            "--classes-per-batch", "2", "--samples-per-class", "2", "--threads", "1", "--progress", "plain", "--out", run];

        var (code, err) = RunUntilProgressThenSignal(train, "INT");
        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Contains($"Resume with: triplet train --out {run} --resume", err);
        int first = NextBatch(run);
        Assert.True(first > 0);

        (code, err) = RunUntilProgressThenSignal(["train", "--out", run, "--resume", "--progress", "plain"], "TERM");
        Assert.Equal(ExitCodes.Terminated, code);
        Assert.Contains("--resume", err);
        Assert.True(NextBatch(run) > first, "the resumed run continued from the checkpoint");
        Assert.Empty(Directory.GetFiles(run, "*.tmp", SearchOption.AllDirectories));
    }

    private static int NextBatch(string run) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(run, "checkpoint", "checkpoint.json")))!["next_batch"]!.GetValue<int>();

    private static (int Code, string Err) RunUntilProgressThenSignal(string[] args, string signal)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "triplet.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var progress = Task.Run(() =>
        {
            string? line;
            while ((line = p.StandardOutput.ReadLine()) is not null && !line.Contains("epoch 1/1 batch ")) { }
            return line;
        });
        if (!progress.Wait(120_000) || progress.Result is null)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"no progress line from triplet train: {err.Result}");
        }
        using (var kill = Process.Start("kill", [$"-{signal}", p.Id.ToString()])) kill.WaitForExit();
        var rest = p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "the process stopped after the signal");
        rest.Wait();
        return (p.ExitCode, err.Result);
    }
}
