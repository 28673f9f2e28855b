using TripletSharp.Distances;

namespace TripletSharp.Tests.Reference;

/// <summary>Plain double-precision loops for every measure, independent of the engine's kernels.</summary>
public sealed class RefMeasure
{
    public RefMeasure(string kind, bool normalize)
    {
        Kind = kind;
        Normalize = normalize || kind == "cosine";
    }

    public string Kind { get; }
    public bool Normalize { get; }
    public bool Inverted => Kind == "dot";

    public static RefMeasure Of(BaseDistance d) => new(d.Name, d.NormalizeEmbeddings);

    public static BaseDistance Create(string kind, bool normalize) => kind switch
    {
        "euclidean" => new EuclideanDistance(normalize),
        "squared-euclidean" => new SquaredEuclideanDistance(normalize),
        "cosine" => new CosineDistance(),
        "dot" => new DotProductSimilarity(normalize),
        _ => throw new ArgumentException(kind),
    };

    public double[] Prepare(double[] x)
    {
        if (!Normalize) return x;
        double n = 0;
        foreach (var v in x) n += v * v;
        n = Math.Max(Math.Sqrt(n), 1e-12); // torch.nn.functional.normalize's eps
        return x.Select(v => v / n).ToArray();
    }

    /// <summary>The raw measure (distance, or similarity for dot).</summary>
    public double Raw(double[] x, double[] y)
    {
        var a = Prepare(x);
        var b = Prepare(y);
        double s = 0;
        switch (Kind)
        {
            case "euclidean":
                for (int i = 0; i < a.Length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
                return Math.Sqrt(s);
            case "squared-euclidean":
                for (int i = 0; i < a.Length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
                return s;
            case "cosine":
                for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
                return 1 - s;
            case "dot":
                for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
                return s;
            default: throw new ArgumentException(Kind);
        }
    }

    public double[,] RawMatrix(double[][] x)
    {
        int n = x.Length;
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                m[i, j] = i == j && !Inverted ? 0 : Raw(x[i], x[j]);
        return m;
    }

    /// <summary>Distance-like: smaller = closer (the similarity negated).</summary>
    public double[,] DistanceLike(double[][] x)
    {
        var m = RawMatrix(x);
        if (Inverted)
            for (int i = 0; i < x.Length; i++)
                for (int j = 0; j < x.Length; j++)
                    m[i, j] = -m[i, j];
        return m;
    }
}
