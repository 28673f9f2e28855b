using System.Globalization;
using System.Text.Json.Nodes;
using TripletSharp.Reporting;
using TripletSharp.Tests.Cli;
using TripletSharp.Training;
using Xunit.Abstractions;

namespace TripletSharp.Tests.Reporting;

/// <summary>One short real <c>triplet train</c> run (with --tensorboard) shared by the run-report tests.</summary>
public sealed class ShortRunFixture : IDisposable
{
    public ShortRunFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), $"ts-runreport-{Guid.NewGuid():N}");
        Run = Path.Combine(Root, "run");
        TensorBoard = Path.Combine(Root, "tb");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        (Code, Out, Err) = CliRunner.Run("train", "--max-train-items", "400", "--max-test-items", "200", "--epochs", "2",
            "--batches-per-epoch", "2", "--classes-per-batch", "4", "--samples-per-class", "8", "--threads", "2", "--seed", "1",
            "--report-tsne-iterations", "300", "--progress", "quiet", "--out", Run, "--tensorboard", TensorBoard);
        Seconds = watch.Elapsed.TotalSeconds;
    }

    public string Root { get; }
    public string Run { get; }
    public string TensorBoard { get; }
    public int Code { get; }
    public string Out { get; }
    public string Err { get; }
    public double Seconds { get; }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The report every train run writes, <c>triplet report</c>, <c>--tensorboard</c> and <c>embed --projector</c>, on a real short run.</summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class RunReportTests(ShortRunFixture run, ITestOutputHelper output) : IClassFixture<ShortRunFixture>
{
    private string ReportPath => Path.Combine(run.Run, RunReport.FileName);

    [Fact]
    public void TrainWritesTheReport_WithTheNumbersOfMetricsJsonAndHistoryCsv()
    {
        Assert.True(run.Code == 0, run.Err);
        output.WriteLine($"train + report: {run.Seconds:0.0} s");
        var html = File.ReadAllText(ReportPath);

        // metrics.json, independently parsed: every key is shown with exactly its value.
        var metrics = Reliability.MetricsJson.Numbers(Path.Combine(run.Run, "metrics.json"));
        var tiles = ReportHtml.Metrics(html);
        Assert.Equal(metrics.Select(kv => kv.Key), tiles.Select(t => t.Key));
        foreach (var (key, value, text) in tiles)
        {
            Assert.Equal(metrics[key]!.GetValue<double>(), value);
            Assert.Equal(HtmlReportWriter.Show(value), text);
        }

        // history.csv, independently parsed: one row per epoch, every filled cell equal.
        var lines = File.ReadAllLines(Path.Combine(run.Run, "history.csv"));
        var header = lines[0].Split(',');
        var rows = ReportHtml.History(html);
        Assert.Equal(lines.Length - 1, rows.Count);
        for (int r = 0; r < rows.Count; r++)
        {
            var cells = lines[r + 1].Split(',');
            Assert.Equal(int.Parse(cells[0], CultureInfo.InvariantCulture), rows[r].Epoch);
            var shown = rows[r].Cells.ToDictionary(c => c.Col, c => c.Value);
            int compared = 0;
            for (int c = 1; c < header.Length; c++)
            {
                if (cells[c].Length == 0 || !shown.TryGetValue(header[c], out var v)) continue;
                Assert.Equal(double.Parse(cells[c], CultureInfo.InvariantCulture), v);
                compared++;
            }
            Assert.True(compared >= 4, $"row {r + 1}: only {compared} history columns shown");
        }

        // First and last epoch distances were stored and are drawn; the summary names the run's settings.
        Assert.True(File.Exists(RunReport.DistancesPath(run.Run, 1)) && File.Exists(RunReport.DistancesPath(run.Run, 2)));
        Assert.Contains("data-epoch=\"1\"><figcaption>", html);
        Assert.Contains("data-epoch=\"2\"><figcaption>", html);
        var summary = ReportHtml.Summary(html).ToDictionary(s => s.Key, s => s.Value);
        Assert.Equal("semihard", summary["miner"]);
        Assert.Equal("euclidean", summary["distance"]);
        Assert.Equal("0.2", summary["margin"]);
    }

    [ChromiumFact]
    public async Task ReportOfARealRun_RendersInChromium()
    {
        Assert.True(run.Code == 0, run.Err);
        var chromium = CdpBrowser.FindChromium()
            ?? throw new InvalidOperationException("CI=true but Chromium is missing: .ci/run must install the Debian package 'chromium'.");
        var shots = Path.Combine(AppContext.BaseDirectory, "report-screenshots");
        Directory.CreateDirectory(shots);
        await using var browser = await CdpBrowser.LaunchAsync(chromium, TimeSpan.FromSeconds(30));
        var page = await new BrowserReportTests(output).LoadAsync(browser, ReportPath, 1280, 800, mobile: false, Path.Combine(shots, "run-report-laptop.png"), hover: false);
        output.WriteLine(page.Checks.GetRawText());
        Assert.True(page.Errors.Count == 0, "console errors or exceptions:\n" + string.Join("\n", page.Errors));
        Assert.True(page.Requests.Count == 0, "network requests:\n" + string.Join("\n", page.Requests));
        var c = page.Checks;
        Assert.Equal("true", c.GetProperty("rendered").GetString());
        Assert.Equal(["summary", "curves", "distances", "map", "gallery", "confusion", "roc"], c.GetProperty("sections").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Empty(c.GetProperty("undrawn").EnumerateArray());
        Assert.Equal(200, c.GetProperty("pca").GetInt32());
        Assert.Equal(200, c.GetProperty("tsne").GetInt32());
        Assert.Equal(10, c.GetProperty("legend").GetInt32());
        Assert.Equal(12, c.GetProperty("galleryRows").GetInt32());
        Assert.Equal(12 * 9, c.GetProperty("galleryImgs").GetInt32());
        Assert.Equal(0, c.GetProperty("brokenImages").GetInt32());
        Assert.Equal(100, c.GetProperty("cells").GetInt32());
        Assert.Equal(1, c.GetProperty("rocCurve").GetInt32());
        foreach (var epoch in new[] { "1", "2" })
            Assert.True(c.GetProperty("hist").GetProperty(epoch).GetProperty("ap").GetInt32() > 0);
        Assert.Equal(2, c.GetProperty("curvePoints").GetProperty("loss").GetInt32());
        Assert.True(c.GetProperty("overlaps").GetArrayLength() == 0, c.GetProperty("overlaps").GetRawText());
        Assert.True(File.Exists(Path.Combine(shots, "run-report-laptop.png")));
    }

    [Fact]
    public void ReportCommand_TensorBoardAndProjector_WriteTheirFiles()
    {
        Assert.True(run.Code == 0, run.Err);
        var events = Directory.GetFiles(run.TensorBoard, "events.out.tfevents.*");
        Assert.Single(events);
        Assert.True(new FileInfo(events[0]).Length > 0);

        // triplet report on the run's model: history from the run folder; on explicit data: no history, last distances only.
        var fromRun = Path.Combine(run.Root, "again.html");
        var (code, _, err) = CliRunner.Run("report", "--model", Path.Combine(run.Run, "model"), "--out", fromRun, "--no-tsne");
        Assert.True(code == 0, err);
        var html = File.ReadAllText(fromRun);
        Assert.Equal(2, ReportHtml.History(html).Count);
        Assert.Contains("id=\"roc\"", html);

        var projector = Path.Combine(run.Root, "projector");
        (code, _, err) = CliRunner.Run("embed", "--model", Path.Combine(run.Run, "model"), "--split", "test", "--out", Path.Combine(run.Root, "e.csv"), "--projector", projector);
        Assert.True(code == 0, err);
        foreach (var f in new[] { ProjectorExporter.VectorsFile, ProjectorExporter.MetadataFile, ProjectorExporter.SpriteFile, ProjectorExporter.ConfigFile })
            Assert.True(new FileInfo(Path.Combine(projector, f)) is { Exists: true, Length: > 0 }, f);
        Assert.Equal(200, File.ReadAllLines(Path.Combine(projector, ProjectorExporter.VectorsFile)).Count(l => l.Length > 0));
    }
}
