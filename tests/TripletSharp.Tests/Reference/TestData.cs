using static TorchSharp.torch;

namespace TripletSharp.Tests.Reference;

/// <summary>A batch as float32-representable doubles (so the reference sees exactly the engine's inputs).</summary>
public sealed record Batch(string Name, double[][] X, long[] Labels)
{
    public int B => X.Length;
    public int D => X[0].Length;

    public Tensor Embeddings(ScalarType dtype = ScalarType.Float32) =>
        tensor(X.SelectMany(r => r).ToArray(), new long[] { B, D }, dtype: ScalarType.Float64).to(dtype);

    public Tensor LabelTensor() => tensor(Labels);

    public override string ToString() => Name;
}

/// <summary>Seeded batches with ties, duplicated embeddings, lone-sample classes and degenerate class structures.</summary>
public static class TestData
{
    public static Batch Gaussian(int seed, int b, int d, int classes, int duplicates = 0, int lone = 0, double scale = 1)
    {
        var r = new Random(seed);
        var x = new double[b][];
        for (int i = 0; i < b; i++)
            x[i] = Enumerable.Range(0, d).Select(_ => (double)(float)(Normal(r) * scale)).ToArray();
        var labels = new long[b];
        for (int i = 0; i < b; i++) labels[i] = r.Next(classes);
        for (int i = 0; i < lone && i < b; i++) labels[b - 1 - i] = 1000 + i;
        // Exact copies: same-class duplicates (d = 0) and cross-class duplicates (ties between a positive and a negative).
        for (int k = 0; k < duplicates; k++)
        {
            int src = r.Next(b), dst = r.Next(b);
            if (src != dst) x[dst] = (double[])x[src].Clone();
        }
        return new Batch($"gauss(seed={seed},b={b},d={d},c={classes},dup={duplicates},lone={lone})", x, labels);
    }

    /// <summary>Small-integer grid coordinates: distances are exact in float32 and full of exact ties.</summary>
    public static Batch Grid(int seed, int b, int d, int classes)
    {
        var r = new Random(seed);
        var x = new double[b][];
        for (int i = 0; i < b; i++) x[i] = Enumerable.Range(0, d).Select(_ => (double)r.Next(-2, 3) / 2).ToArray();
        var labels = Enumerable.Range(0, b).Select(_ => (long)r.Next(classes)).ToArray();
        return new Batch($"grid(seed={seed},b={b},d={d},c={classes})", x, labels);
    }

    public static Batch OneClass(int seed, int b, int d) =>
        Gaussian(seed, b, d, 1) with { Name = $"one-class(seed={seed})" };

    public static Batch AllDistinct(int seed, int b, int d)
    {
        var g = Gaussian(seed, b, d, 1);
        return g with { Name = $"all-distinct(seed={seed})", Labels = Enumerable.Range(0, b).Select(i => (long)i).ToArray() };
    }

    public static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
