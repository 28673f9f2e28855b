using TorchSharp;
using static TorchSharp.torch;
using System.Diagnostics;
using System.Text.Json.Nodes;
using TripletSharp.Models;
using TripletSharp.Tests.Models;
using TripletSharp.Training;
using Xunit.Abstractions;

namespace TripletSharp.Tests.Cli;

/// <summary>
/// SIGKILL at seeded random moments of a real <c>triplet train</c>, each time resumed with <c>--resume</c>: the folder only
/// ever holds complete files, and the finished run equals an uninterrupted one (same seed and threads).
/// </summary>
public class KillResumeTests(ITestOutputHelper log)
{
    /// <summary>Kills survived by the test (the README quotes it).</summary>
    internal const int Kills = 20;

    // 8 epochs × 8 batches of 4×8 items on 320 + 100 bundled images: enough batches to hold 20 kills. Kill moments are
    // scaled to this machine's measured start-up and batch times, so a fast machine gets as many kills as a slow one.
    private static readonly string[] TrainArgs =
        ["train", "--max-train-items", "320", "--max-test-items", "100", "--epochs", "8", "--batches-per-epoch", "8",
         "--classes-per-batch", "4", "--samples-per-class", "8", "--threads", "1", "--seed", "7", "--checkpoint-every", "1",
         "--progress", "plain"];

    [Fact]
    public void SigkillAtRandomMoments_ResumeLosesNothing_AndEqualsAnUninterruptedRun()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TestFolder("ts-kill");
        var watch = Stopwatch.StartNew();
        var reference = dir["reference"];
        var (code, err) = RunToEnd([.. TrainArgs, "--out", reference], out var batchTimes);
        Assert.True(code == 0, err);
        Assert.True(batchTimes.Count >= 2, "the reference run printed fewer than 2 batch lines");
        // Start-up = process start to the first batch line; a batch = median gap between consecutive batch lines.
        int startupMs = Math.Max(100, (int)batchTimes[0]);
        var gaps = batchTimes.Zip(batchTimes.Skip(1), (x, y) => y - x).Order().ToList();
        int batchMs = Math.Max(1, (int)gaps[gaps.Count / 2]);
        log.WriteLine($"start-up {startupMs} ms, batch {batchMs} ms");

        var run = dir["run"];
        var rng = new Random(20261129);
        int kills = 0, fresh = 0, resumed = 0, cycles = 0;
        while (true)
        {
            cycles++;
            // A quarter of the kills land during start-up; the rest after the 1st or 2nd batch line, within ~one batch.
            bool startup = rng.NextDouble() < 0.25;
            int afterLines = rng.Next(1, 3);
            int delayMs = startup ? rng.Next(startupMs / 20, startupMs) : rng.Next(0, batchMs + 1);
            // Without a checkpoint yet (a kill during start-up), --resume starts from the beginning.
            string[] args = [.. TrainArgs, "--out", run, "--resume"];
            if (!Checkpoint.Exists(new RunFolder(run).CheckpointDirectory)) fresh++;
            else if (kills > 0) resumed++;
            if (kills >= Kills)
            {
                (code, err) = RunToEnd(args, out _);
                Assert.True(code == 0, err);
                break;
            }
            bool killed = RunAndKill(args, startup ? 0 : afterLines, delayMs, out code, out err);
            if (!killed)
            {
                Assert.True(code == 0, err);
                break;
            }
            kills++;
            AssertOnlyCompleteFiles(run);
        }
        log.WriteLine($"{kills} SIGKILLs in {cycles} processes ({fresh} started without a checkpoint, {resumed} resumed from one), {watch.Elapsed.TotalSeconds:F1} s in all");
        Assert.True(kills >= Kills, $"only {kills} kills landed before the run completed");
        Assert.True(resumed >= Kills / 2, $"only {resumed} processes resumed from a checkpoint");

        Assert.Empty(Directory.GetFiles(run, ".*.tmp")); // a resumed run clears the temporaries of killed ones
        AssertOnlyCompleteFiles(run);

        var expected = Reliability.MetricsJson.Numbers(Path.Combine(reference, "metrics.json"));
        var actual = Reliability.MetricsJson.Numbers(Path.Combine(run, "metrics.json"));
        Assert.Equal(expected.Select(kv => kv.Key), actual.Select(kv => kv.Key));
        foreach (var (k, v) in expected)
            Assert.True(Math.Abs(v!.GetValue<double>() - actual[k]!.GetValue<double>()) <= 1e-6, $"{k}: {v} vs {actual[k]}");

        using var a = ModelBundle.Load(Path.Combine(reference, "model"));
        using var b = ModelBundle.Load(Path.Combine(run, "model"));
        using var gen = new torch.Generator(5);
        using var x = torch.rand([64, .. a.Input.ItemShape], generator: gen);
        using var ea = a.Embed(x);
        using var eb = b.Embed(x);
        double diff = (ea - eb).abs().max().item<float>();
        Assert.True(diff <= 1e-6, $"embeddings differ by {diff}");
        Assert.Equal(File.ReadAllLines(Path.Combine(reference, "history.csv")).Length, File.ReadAllLines(Path.Combine(run, "history.csv")).Length);
    }

    /// <summary>Every file the tool left must be complete: models and checkpoints load, JSON parses, CSV has whole rows.</summary>
    private static void AssertOnlyCompleteFiles(string run)
    {
        if (!Directory.Exists(run)) return;
        var layout = new RunFolder(run);
        if (File.Exists(Path.Combine(layout.ModelDirectory, ModelBundle.ManifestFileName)))
            using (ModelBundle.Load(layout.ModelDirectory)) { }
        if (Checkpoint.Exists(layout.CheckpointDirectory)) Checkpoint.Load(layout.CheckpointDirectory);
        foreach (var json in Directory.GetFiles(run, "*.json", SearchOption.AllDirectories))
            Assert.NotNull(JsonNode.Parse(File.ReadAllText(json)));
        if (File.Exists(layout.HistoryPath))
        {
            var rows = File.ReadAllLines(layout.HistoryPath);
            int columns = rows[0].Split(',').Length;
            Assert.All(rows, r => Assert.Equal(columns, r.Split(',').Length));
        }
        foreach (var html in Directory.GetFiles(run, "*.html", SearchOption.AllDirectories))
            Assert.EndsWith("</html>", File.ReadAllText(html).TrimEnd(), StringComparison.Ordinal);
        // Anything else must be a content file named by a manifest (stale ones are removed on the next save) or an
        // AtomicFile temporary, which no reader ever opens.
        foreach (var f in Directory.GetFiles(run, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(f);
            Assert.True(name.EndsWith(".json", StringComparison.Ordinal) || name.EndsWith(".csv", StringComparison.Ordinal) || name.EndsWith(".html", StringComparison.Ordinal)
                || name.EndsWith(".bin", StringComparison.Ordinal) || (name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal))
                || name == TripletSharp.Training.RunFolder.LockFileName,
                $"unexpected file {f}");
        }
    }

    private static ProcessStartInfo Start(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "triplet.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>Runs to the end; <paramref name="batchTimes"/> gets the milliseconds from start at which each batch line appeared.</summary>
    private static (int Code, string Err) RunToEnd(string[] args, out List<double> batchTimes)
    {
        var watch = Stopwatch.StartNew();
        using var p = Process.Start(Start(args))!;
        var times = new List<double>();
        var text = new System.Text.StringBuilder();
        var output = Task.Run(() =>
        {
            string? line;
            while ((line = p.StandardOutput.ReadLine()) is not null)
            {
                if (line.Contains(" batch ", StringComparison.Ordinal)) times.Add(watch.Elapsed.TotalMilliseconds);
                text.AppendLine(line);
            }
        });
        var err = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(180_000)) { p.Kill(entireProcessTree: true); Assert.Fail("triplet train did not finish"); }
        output.Wait();
        batchTimes = times;
        return (p.ExitCode, err.Result + text);
    }

    /// <summary>Kills the process <paramref name="delayMs"/> after its start (<paramref name="afterLines"/> 0) or after that many batch lines; false when it finished first.</summary>
    private static bool RunAndKill(string[] args, int afterLines, int delayMs, out int code, out string err)
    {
        using var p = Process.Start(Start(args))!;
        var errTask = p.StandardError.ReadToEndAsync();
        var batchSeen = new ManualResetEventSlim();
        var nextSeen = new ManualResetEventSlim();
        var reader = Task.Run(() =>
        {
            string? line;
            int seen = 0;
            while ((line = p.StandardOutput.ReadLine()) is not null)
                if (line.Contains(" batch ", StringComparison.Ordinal))
                {
                    if (++seen == afterLines) batchSeen.Set();
                    if (seen == afterLines + 1) nextSeen.Set();
                }
            batchSeen.Set();
        });
        if (afterLines > 0 && !batchSeen.Wait(120_000)) { p.Kill(entireProcessTree: true); Assert.Fail("no batch line"); }
        bool killed = false;
        // Kill after delayMs or at the next batch line, whichever comes first: batch times measured while the machine
        // was busier must not let one process train several batches (the run would end before enough kills landed).
        var wait = Stopwatch.StartNew();
        while (!p.HasExited && wait.ElapsedMilliseconds < delayMs && !nextSeen.IsSet) nextSeen.Wait(1);
        if (!p.HasExited)
        {
            using (var kill = Process.Start("kill", ["-KILL", p.Id.ToString()])) kill.WaitForExit();
            killed = true;
        }
        Assert.True(p.WaitForExit(60_000));
        reader.Wait();
        code = p.ExitCode;
        err = errTask.Result;
        // A kill that lands after the process exited on its own did not interrupt anything.
        return killed && code == 128 + 9;
    }
}
