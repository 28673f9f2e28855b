namespace TripletSharp.Training;

/// <summary>The files of a training run folder.</summary>
/// <param name="Directory">The run folder.</param>
public sealed record RunLayout(string Directory)
{
    /// <summary>The best model (a <see cref="Models.ModelBundle"/> folder).</summary>
    public string ModelDirectory => Path.Combine(Directory, "model");

    /// <summary>The resumable training state.</summary>
    public string CheckpointDirectory => Path.Combine(Directory, "checkpoint");

    /// <summary>The run's configuration (trainer and data options, data summary).</summary>
    public string ConfigPath => Path.Combine(Directory, "config.json");

    /// <summary>One row per epoch.</summary>
    public string HistoryPath => Path.Combine(Directory, "history.csv");

    /// <summary>Final test metrics (those of the best epoch).</summary>
    public string MetricsPath => Path.Combine(Directory, "metrics.json");

    /// <summary>A fresh <c>runs/&lt;timestamp&gt;</c> folder name under <paramref name="root"/> (default: the current folder).</summary>
    public static string DefaultDirectory(string? root = null) =>
        Path.Combine(root ?? ".", "runs", DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
}
