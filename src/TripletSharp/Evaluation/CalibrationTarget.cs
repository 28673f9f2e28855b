namespace TripletSharp.Evaluation;

/// <summary>A calibration target such as FAR ≤ 1e-3 or precision ≥ 0.95.</summary>
/// <param name="Metric">The figure to reach.</param>
/// <param name="Value">FAR in [0, 1]; precision and recall in (0, 1].</param>
public sealed record CalibrationTarget(CalibrationMetric Metric, double Value)
{
    /// <summary>FAR at most <paramref name="value"/>.</summary>
    public static CalibrationTarget Far(double value) => new(CalibrationMetric.Far, value);

    /// <summary>Precision at least <paramref name="value"/>.</summary>
    public static CalibrationTarget Precision(double value) => new(CalibrationMetric.Precision, value);

    /// <summary>Recall at least <paramref name="value"/>.</summary>
    public static CalibrationTarget Recall(double value) => new(CalibrationMetric.Recall, value);

    internal void Validate(string name)
    {
        if (!Enum.IsDefined(Metric)) throw new ArgumentOutOfRangeException(name, Metric, $"'{name}' has an unknown metric {Metric}.");
        if (Metric == CalibrationMetric.Far) Guard.InRange(Value, 0, 1, $"{name}.{nameof(Value)}");
        else if (!(Value > 0 && Value <= 1)) throw new ArgumentOutOfRangeException(name, Value, $"'{name}.{nameof(Value)}' ({Metric}) must be in (0, 1], got {Value}.");
    }

    /// <inheritdoc />
    public override string ToString() => $"{Metric.ToString().ToLowerInvariant()} {(Metric == CalibrationMetric.Far ? "<=" : ">=")} {Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}";
}
