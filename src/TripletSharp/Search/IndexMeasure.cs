using Cloud.Unum.USearch;
using TripletSharp.Distances;

namespace TripletSharp.Search;

/// <summary>The measures an index can hold: the four built-in ones, by name and normalisation, and their exact values.</summary>
internal static class IndexMeasure
{
    public static readonly string[] Names = ["euclidean", "squared-euclidean", "cosine", "dot"];

    /// <summary>Checks that <paramref name="measure"/> is one of the built-in measures an index can store by name.</summary>
    public static void Check(BaseDistance measure, string name)
    {
        Guard.NotNull(measure, name);
        if (measure is not (EuclideanDistance or SquaredEuclideanDistance or CosineDistance or DotProductSimilarity))
            throw new ArgumentException($"'{name}' is a {measure.GetType().Name}; an index holds one of the built-in measures ({string.Join(", ", Names)}).", name);
    }

    public static BaseDistance Create(string name, bool normalize) => name switch
    {
        "euclidean" => new EuclideanDistance(normalize),
        "squared-euclidean" => new SquaredEuclideanDistance(normalize),
        "cosine" => new CosineDistance(),
        "dot" => new DotProductSimilarity(normalize),
        _ => throw new ArgumentException($"'{name}' is not a measure an index can hold ({string.Join(", ", Names)}).", nameof(name)),
    };

    /// <summary>Name with its normalisation, as shown in messages (for example <c>euclidean (normalized)</c>).</summary>
    public static string Describe(BaseDistance m) => m.NormalizeEmbeddings && m is not CosineDistance ? $"{m.Name} (normalized)" : m.Name;

    /// <summary>Whether rows are L2-normalised before measuring.</summary>
    public static bool Normalizes(BaseDistance m) => m is CosineDistance || m.NormalizeEmbeddings;

    /// <summary>
    /// The USearch metric whose ranking equals the measure's: L2sq for Euclidean (√ of it is Euclidean) and squared
    /// Euclidean, Cos for cosine, Ip (1 − a·b) for the dot similarity.
    /// </summary>
    public static MetricKind Metric(BaseDistance m) => m switch
    {
        EuclideanDistance or SquaredEuclideanDistance => MetricKind.L2sq,
        CosineDistance => MetricKind.Cos,
        _ => MetricKind.Ip,
    };

    /// <summary>Scales <paramref name="row"/> to unit length in place (as torch's normalize, eps 1e-12) when the measure normalises.</summary>
    public static void Prepare(BaseDistance m, Span<float> row)
    {
        if (!Normalizes(m)) return;
        double s = 0;
        foreach (var v in row) s += (double)v * v;
        float n = (float)Math.Max(Math.Sqrt(s), 1e-12);
        for (int i = 0; i < row.Length; i++) row[i] /= n;
    }

    /// <summary>The exact measure between two prepared rows, in double precision.</summary>
    public static double Value(BaseDistance m, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, sq = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double x = a[i], y = b[i];
            dot += x * y;
            sq += (x - y) * (x - y);
        }
        return m switch
        {
            EuclideanDistance => Math.Sqrt(sq),
            SquaredEuclideanDistance => sq,
            CosineDistance => 1 - dot,
            _ => dot,
        };
    }
}
