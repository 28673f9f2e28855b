namespace TripletSharp.Reporting;

/// <summary>Time one part of a report took.</summary>
/// <param name="Part">What was computed: embed, metrics, distances, roc, pca, tsne, knn, histograms, thumbnails, json, html.</param>
/// <param name="Seconds">Wall-clock seconds.</param>
/// <param name="CpuSeconds">Processor seconds of the whole process over the same span (all threads), steadier than wall time on a busy machine.</param>
public sealed record ReportTiming(string Part, double Seconds, double CpuSeconds);
