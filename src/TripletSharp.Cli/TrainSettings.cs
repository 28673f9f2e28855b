using TripletSharp.Data;
using TripletSharp.Training;

namespace TripletSharp.Cli;

/// <summary>Everything <c>triplet train</c> binds from its command line: the library's options and the tool's own.</summary>
internal sealed class TrainSettings
{
    /// <summary>Trainer options.</summary>
    public TrainerOptions Trainer { get; set; } = new();

    /// <summary>How the data is read.</summary>
    public DataOptions Data { get; set; } = new();

    /// <summary>The report written at the end of the run.</summary>
    public ReportRequest Report { get; set; } = new();

    /// <summary>Write report.html at the end.</summary>
    public bool WriteReport { get; set; } = true;

    /// <summary>TensorBoard event folder, if any.</summary>
    public string? TensorBoard { get; set; }

    /// <summary>--data exactly as given (the stored path is absolute); null when not given.</summary>
    public string? DataAsGiven { get; set; }

    /// <summary>One-line notices found while binding (a capped thread count), printed before the run starts.</summary>
    public List<string> Notices { get; } = [];

    /// <summary>Estimate memory and disk before the run and refuse what cannot fit (off with --no-resource-check).</summary>
    public bool CheckResources { get; set; } = true;

    /// <summary>Progress display.</summary>
    public ProgressMode Progress { get; set; }

    /// <summary>--tuples: a file of triplets or pairs to train from instead of class labels.</summary>
    public string? Tuples { get; set; }

    /// <summary>--tuple-negatives: extra negatives mined in each tuple batch.</summary>
    public string TupleNegatives { get; set; } = "semi-hard";

    /// <summary>--tuple-test-fraction: share of the tuples held out (by tuple, seeded) for the held-out score.</summary>
    public double TupleTestFraction { get; set; } = 0.1;
}
