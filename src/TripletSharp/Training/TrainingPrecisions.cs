namespace TripletSharp.Training;

/// <summary>
/// The names of the training precisions, as the command line, <c>config.json</c> and <c>model.json</c> write them
/// (one table; it lives with <see cref="TrainingPrecision"/> because the name registry sits below the Training layer).
/// </summary>
public static class TrainingPrecisions
{
    private static readonly (string Name, TrainingPrecision Precision)[] Table =
    [
        ("fp32", TrainingPrecision.Fp32),
        ("bf16-mixed", TrainingPrecision.Bf16Mixed),
    ];

    /// <summary>Precision names: fp32, bf16-mixed.</summary>
    public static IReadOnlyList<string> Names { get; } = Table.Select(m => m.Name).ToArray();

    /// <summary>The precision called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public static TrainingPrecision Parse(string name)
    {
        foreach (var (n, precision) in Table)
            if (n == name) return precision;
        throw new ArgumentException($"'{nameof(name)}' must be one of {string.Join(", ", Names)}; got '{name}' (unknown precision).", nameof(name));
    }

    /// <summary>The name of <paramref name="precision"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined precision.</exception>
    public static string Name(TrainingPrecision precision)
    {
        foreach (var (n, p) in Table)
            if (p == precision) return n;
        throw new ArgumentOutOfRangeException(nameof(precision), precision, $"Unknown precision {precision}.");
    }
}
