namespace TripletSharp.Evaluation;

/// <summary>A threshold chosen on labelled data for a target, with the figures measured at it and the whole candidate curve.</summary>
public sealed record CalibrationResult
{
    /// <summary>Verification (pairs) or identification (queries against a gallery).</summary>
    public CalibrationMode Mode { get; init; }

    /// <summary>Name of the measure the distances are in.</summary>
    public string Measure { get; init; } = "";

    /// <summary>True when the measure is a similarity: accept when similarity ≥ <see cref="Threshold"/>.</summary>
    public bool HigherIsCloser { get; init; }

    /// <summary>Fingerprint of the model whose embeddings were calibrated, when known.</summary>
    public string? ModelFingerprint { get; init; }

    /// <summary>The target asked for.</summary>
    public CalibrationTarget Target { get; init; } = CalibrationTarget.Far(0);

    /// <summary>The chosen threshold, in the measure's units.</summary>
    public double Threshold { get; init; }

    /// <summary>False accept rate at the threshold.</summary>
    public double Far { get; init; }

    /// <summary>True accept rate at the threshold.</summary>
    public double Tar { get; init; }

    /// <summary>Precision at the threshold.</summary>
    public double Precision { get; init; }

    /// <summary>Recall at the threshold.</summary>
    public double Recall { get; init; }

    /// <summary>F1 at the threshold.</summary>
    public double F1 { get; init; }

    /// <summary>Pairs (verification) or queries (identification) measured.</summary>
    public long Count { get; init; }

    /// <summary>Same-class pairs, or queries whose nearest item is of the right class.</summary>
    public long Positives { get; init; }

    /// <summary>Different-class pairs, or queries whose nearest item is of another class.</summary>
    public long Negatives { get; init; }

    /// <summary>Accepted positives at the threshold.</summary>
    public long TruePositives { get; init; }

    /// <summary>Accepted negatives at the threshold.</summary>
    public long FalsePositives { get; init; }

    /// <summary>Every candidate threshold (each distinct distance), from the tightest to the loosest.</summary>
    public IReadOnlyList<ThresholdPoint> Curve { get; init; } = [];
}
