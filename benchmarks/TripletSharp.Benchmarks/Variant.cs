namespace TripletSharp.Benchmarks;

/// <summary>One contender in an interleaved measurement: a body to time and its samples.</summary>
internal sealed class Variant
{
    public Variant(string name, Action body, int? maxReps = null)
    {
        Name = name;
        Body = body;
        MaxReps = maxReps;
    }

    public string Name { get; }

    /// <summary>Skip the warm-up runs (when an earlier check run already warmed this variant up).</summary>
    public bool SkipWarmup { get; init; }

    public Action Body { get; }

    /// <summary>Stop timing this variant after this many samples (others go on); null = as many as the plan allows.</summary>
    public int? MaxReps { get; set; }

    /// <summary>Milliseconds of each timed run.</summary>
    public List<double> Samples { get; } = new();

    /// <summary>Why the variant did not run (not implemented, out of memory, …); null when it ran.</summary>
    public string? Failure { get; set; }

    /// <summary>Peak extra resident bytes of the first timed run, when the measurement probed memory.</summary>
    public long? PeakBytes { get; set; }

    public double MedianMs => Stats.Median(Samples);
}
