using System.Diagnostics;
using System.Globalization;
using TripletSharp.Training;

namespace TripletSharp.Cli;

/// <summary>
/// Shows a <see cref="Trainer"/>'s progress on a text writer: a live bar per epoch (batches/s, images/s, loss,
/// active-triplet fraction) redrawn in place, or plain lines for logs, and one summary line per epoch.
/// </summary>
internal sealed class ConsoleProgress
{
    private readonly TextWriter writer;
    private readonly ProgressMode mode;
    private readonly Stopwatch throttle = Stopwatch.StartNew();
    private int barWidth;

    /// <summary>Creates the display.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="mode">Display mode; <see cref="ProgressMode.Auto"/> picks the bar when <paramref name="isTerminal"/>.</param>
    /// <param name="isTerminal">Whether <paramref name="writer"/> is an interactive terminal.</param>
    public ConsoleProgress(TextWriter writer, ProgressMode mode = ProgressMode.Auto, bool isTerminal = false)
    {
        ArgumentNullException.ThrowIfNull(writer);
        this.writer = writer;
        this.mode = mode == ProgressMode.Auto ? (isTerminal ? ProgressMode.Bar : ProgressMode.Plain) : mode;
    }

    /// <summary>The effective mode (never <see cref="ProgressMode.Auto"/>).</summary>
    public ProgressMode Mode => mode;

    /// <summary>Subscribes to <paramref name="trainer"/>'s events.</summary>
    public void Attach(Trainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        trainer.BatchCompleted += (_, p) => OnBatch(p);
        trainer.EpochCompleted += (_, e) => OnEpoch(e);
        trainer.Message += (_, m) => WriteLine(m);
    }

    /// <summary>Writes a line (clearing the bar first); nothing in quiet mode.</summary>
    public void WriteLine(string line)
    {
        if (mode == ProgressMode.Quiet) return;
        ClearBar();
        writer.WriteLine(line);
        writer.Flush();
    }

    /// <summary>Ends the bar line, if one is drawn (call before printing after an interruption).</summary>
    public void ClearBar()
    {
        if (barWidth == 0) return;
        writer.Write('\r' + new string(' ', barWidth) + '\r');
        barWidth = 0;
    }

    private void OnBatch(BatchProgress p)
    {
        switch (mode)
        {
            case ProgressMode.Bar:
                if (p.Batch != p.BatchesPerEpoch && throttle.ElapsedMilliseconds < 100) return;
                throttle.Restart();
                const int width = 24;
                int filled = (int)Math.Round(width * (double)p.Batch / p.BatchesPerEpoch);
                double eta = p.BatchesPerSecond > 0 ? (p.BatchesPerEpoch - p.Batch) / p.BatchesPerSecond : 0;
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"epoch {p.Epoch}/{p.Epochs} [{new string('#', filled)}{new string('.', width - filled)}] {p.Batch}/{p.BatchesPerEpoch}  {p.BatchesPerSecond:F1} batch/s  {p.ImagesPerSecond:F0} img/s  loss {p.EpochLoss:F4}  active {p.EpochActiveFraction:P1}  eta {eta:F0}s");
                writer.Write('\r' + line.PadRight(barWidth));
                barWidth = Math.Max(barWidth, line.Length);
                writer.Flush();
                break;
            case ProgressMode.Plain:
                // Every tenth of an epoch, and at least every 30 s on long epochs.
                int every = Math.Max(1, (p.BatchesPerEpoch + 9) / 10);
                if (p.Batch % every != 0 && p.Batch != p.BatchesPerEpoch && throttle.Elapsed.TotalSeconds < 30) return;
                throttle.Restart();
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {p.Epoch}/{p.Epochs} batch {p.Batch}/{p.BatchesPerEpoch}  {p.BatchesPerSecond:F1} batch/s  {p.ImagesPerSecond:F0} img/s  loss {p.EpochLoss:F4}  active {p.EpochActiveFraction:P1}"));
                writer.Flush();
                break;
        }
    }

    private void OnEpoch(EpochCompletedEventArgs e)
    {
        if (mode == ProgressMode.Quiet) return;
        WriteLine(Summary(e.Record, e.Epochs, e.IsBest));
    }

    /// <summary>The one-line summary of an epoch.</summary>
    public static string Summary(EpochRecord r, int epochs, bool isBest)
    {
        ArgumentNullException.ThrowIfNull(r);
        var ic = CultureInfo.InvariantCulture;
        var s = string.Create(ic, $"epoch {r.Epoch}/{epochs}  loss {r.Loss:F4}  active {r.ActiveFraction:P1}");
        if (r.Metrics is { } m)
            s += string.Create(ic, $"  P@1 {m.PrecisionAt1:F4}  R-P {m.RPrecision:F4}  MAP@R {m.MapAtR:F4}");
        s += string.Create(ic, $"  train {r.TrainSeconds:F1}s  eval {r.EvalSeconds:F1}s");
        if (r.FloorSeconds is { } f) s += string.Create(ic, $"  floor {f:F1}s (x{r.TrainSeconds / f:F2})");
        if (isBest) s += "  *best";
        return s;
    }
}
