using TripletSharp.Reporting;

namespace TripletSharp.Cli;

/// <summary>What the command line asks of a report (train's automatic one and <c>triplet report</c>).</summary>
internal sealed class ReportRequest
{
    /// <summary>Seed of the map sample and the gallery queries.</summary>
    public int Seed { get; set; }

    /// <summary>Compute the t-SNE map.</summary>
    public bool ComputeTsne { get; set; } = true;

    /// <summary>t-SNE iterations.</summary>
    public int TsneIterations { get; set; } = new TsneOptions().Iterations;

    /// <summary>The library's report options; early exaggeration lasts a quarter of the iterations, at most t-SNE's usual 250.</summary>
    public ReportOptions ToOptions() => new()
    {
        Seed = Seed,
        ComputeTsne = ComputeTsne,
        Tsne = new TsneOptions { Iterations = TsneIterations, ExaggerationIterations = Math.Min(new TsneOptions().ExaggerationIterations, TsneIterations / 4) },
    };
}
