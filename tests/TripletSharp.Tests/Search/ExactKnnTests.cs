using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Engine;
using TripletSharp.Search;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Search;

public class ExactKnnTests
{
    public static TheoryData<string, bool, string> Cases()
    {
        var data = new TheoryData<string, bool, string>();
        foreach (var m in new[] { "euclidean", "squared-euclidean", "cosine", "dot", "euclidean-normalized", "dot-normalized" })
            foreach (var ex in new[] { false, true })
                foreach (var method in new[] { "Fused", "Matrix", "Sort" })
                    data.Add(m, ex, method);
        return data;
    }

    internal static BaseDistance Make(string name) => name switch
    {
        "euclidean" => new EuclideanDistance(),
        "euclidean-normalized" => new EuclideanDistance(normalizeEmbeddings: true),
        "squared-euclidean" => new SquaredEuclideanDistance(),
        "cosine" => new CosineDistance(),
        "dot" => new DotProductSimilarity(),
        "dot-normalized" => new DotProductSimilarity(normalizeEmbeddings: true),
        _ => throw new ArgumentException(name),
    };

    internal static (long[,] Idx, double[,] Val) Collect(Tensor q, Tensor g, int k, BaseDistance d, bool excludeSelf, int block, ExactKnn.Method method)
    {
        long nq = q.shape[0];
        var idx = new long[nq, k];
        var val = new double[nq, k];
        ExactKnn.Run(q, g, k, d, excludeSelf, block, method, b =>
        {
            var bi = b.Indices.cpu().data<long>().ToArray();
            var bv = b.Distances.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
            long rows = b.Indices.shape[0];
            Assert.Equal(k, b.Indices.shape[1]);
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < k; j++)
                {
                    idx[b.Start + r, j] = bi[r * k + j];
                    val[b.Start + r, j] = bv[r * k + j];
                }
        });
        return (idx, val);
    }

    /// <summary>Values equal the reference's sorted values position by position; each index's value is its true value; indices distinct; exact index order wherever the reference has no near-tie.</summary>
    internal static void AssertMatches(BaseDistance d, double[][] qr, double[][] gr, long[,] idx, double[,] val, bool excludeSelf, double tol = 2e-5)
    {
        int k = idx.GetLength(1);
        for (int i = 0; i < qr.Length; i++)
        {
            var reference = BruteForce.Ranking(d, qr[i], gr, excludeSelf ? i : -1);
            var seen = new HashSet<long>();
            for (int j = 0; j < k; j++)
            {
                long c = idx[i, j];
                Assert.True(seen.Add(c), $"query {i}: index {c} returned twice");
                Assert.NotEqual(excludeSelf ? i : -1, c);
                double truth = BruteForce.Measure(d, qr[i], gr[c]);
                // Euclidean comes from the expansion ‖q‖² + ‖g‖² − 2q·g: its error is absolute in d², so compare squares.
                Func<double, double> f = d is EuclideanDistance ? v => v * v : v => v;
                double scale = 1 + Math.Abs(f(truth)) + (d is EuclideanDistance ? qr[i].Sum(v => v * v) + gr[c].Sum(v => v * v) : 0);
                Assert.True(Math.Abs(f(val[i, j]) - f(truth)) <= tol * scale, $"query {i} rank {j}: value {val[i, j]} vs true {truth}");
                Assert.True(Math.Abs(f(val[i, j]) - f(reference[j].Value)) <= tol * scale, $"query {i} rank {j}: value {val[i, j]} vs reference {reference[j].Value}");
                bool isolated = (j == 0 || Math.Abs(reference[j].Value - reference[j - 1].Value) > 1e-4)
                    && (j + 1 >= reference.Length || Math.Abs(reference[j + 1].Value - reference[j].Value) > 1e-4);
                if (isolated) Assert.Equal(reference[j].Index, c);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesBruteForce(string measure, bool excludeSelf, string method)
    {
        using var scope = NewDisposeScope();
        var d = Make(measure);
        var gen = new Generator().manual_seed(11);
        var g = randn(new long[] { 150, 5 }, generator: gen);
        // Exact duplicates in the vector body and in the scalar tail of a tile (150 = 2·64 + 16 + 6).
        g[140] = g[3];
        g[149] = g[3];
        g[70] = g[20];
        var q = excludeSelf ? g.narrow(0, 0, 37) : randn(new long[] { 37, 5 }, generator: gen);
        var (idx, val) = Collect(q, g, 12, d, excludeSelf, 8, Enum.Parse<ExactKnn.Method>(method));
        AssertMatches(d, BruteForce.Rows(q), BruteForce.Rows(g), idx, val, excludeSelf);
        // Duplicates tie bit for bit and come in index order.
        for (int i = 0; i < 37; i++)
            for (int j = 1; j < 12; j++)
                if (val[i, j] == val[i, j - 1] && BruteForce.Rows(g)[idx[i, j]].SequenceEqual(BruteForce.Rows(g)[idx[i, j - 1]]))
                    Assert.True(idx[i, j] > idx[i, j - 1]);
        for (int i = 0; i < 37; i++)
        {
            var row = Enumerable.Range(0, 12).Select(j => idx[i, j]).ToList();
            int a = row.IndexOf(3), b = row.IndexOf(140);
            if (a >= 0 && b >= 0) Assert.True(a < b && val[i, a] == val[i, b]);
        }
    }

    [Theory]
    [InlineData("euclidean")]
    [InlineData("squared-euclidean")]
    [InlineData("dot")]
    public void ExactTiesComeInIndexOrder(string measure)
    {
        // Small integers: every product and sum is exact in float32, so the float ranking equals the exact one,
        // and the many exact ties must be broken by lower index on every path.
        using var scope = NewDisposeScope();
        var d = Make(measure);
        var gen = new Generator().manual_seed(5);
        var g = randint(-2, 3, new long[] { 70, 3 }, generator: gen).to_type(ScalarType.Float32);
        var gr = BruteForce.Rows(g);
        foreach (var ex in new[] { false, true })
            foreach (var method in new[] { ExactKnn.Method.Fused, ExactKnn.Method.Matrix, ExactKnn.Method.Sort })
            {
                var (idx, val) = Collect(g, g, 20, d, ex, 16, method);
                for (int i = 0; i < 70; i++)
                {
                    var reference = BruteForce.Ranking(d, gr[i], gr, ex ? i : -1);
                    for (int j = 0; j < 20; j++)
                    {
                        Assert.Equal(reference[j].Index, idx[i, j]);
                        Assert.Equal(reference[j].Value, val[i, j], 5);
                    }
                }
            }
    }

    [Fact]
    public void ExcludeSelfDropsTheQueryByIndexNotItsDuplicates()
    {
        using var scope = NewDisposeScope();
        var g = tensor(new float[] { 0, 0, 5, 5, 0, 0, 1, 0 }).reshape(4, 2); // rows 0 and 2 coincide
        var r = ExactKnn.Search(g, g, 2, excludeSelf: true, blockSize: 3);
        // Row 1 is equidistant from rows 0 and 2, and row 3 from rows 0 and 2: lower index first.
        Assert.Equal(new long[] { 2, 3, 3, 0, 0, 3, 0, 2 }, r.Indices.data<long>().ToArray());
        Assert.Equal(0f, r.Distances[0, 0].item<float>());
        Assert.Equal(0f, r.Distances[2, 0].item<float>());
        Assert.Equal(1f, r.Distances[0, 1].item<float>(), 6);
    }

    [Theory]
    [InlineData("euclidean", "Fused")]
    [InlineData("cosine", "Fused")]
    [InlineData("dot", "Matrix")]
    [InlineData("squared-euclidean", "Matrix")]
    public void SampledThresholdPathMatchesBruteForce(string measure, string method)
    {
        // G > 4,096 and k < G/3: the per-query threshold comes from the position-stratified sample.
        using var scope = NewDisposeScope();
        var d = Make(measure);
        var gen = new Generator().manual_seed(3);
        var g = randn(new long[] { 5000, 6 }, generator: gen);
        var q = g.narrow(0, 0, 30);
        var (idx, val) = Collect(q, g, 300, d, true, 7, Enum.Parse<ExactKnn.Method>(method));
        AssertMatches(d, BruteForce.Rows(q), BruteForce.Rows(g), idx, val, excludeSelf: true);
    }

    /// <summary>The columns the sampler reads (runs of 16 at evenly spaced starts).</summary>
    private static HashSet<int> SampledColumns(int g)
    {
        var set = new HashSet<int>();
        for (int ch = 0; ch < 128; ch++)
        {
            int j0 = (int)((long)ch * (g - 16) / 127);
            for (int j = j0; j < j0 + 16; j++) set.Add(j);
        }
        return set;
    }

    [Theory]
    [InlineData(true, 20000, 300)]  // sample all far: threshold too loose, the candidate buffer overflows
    [InlineData(false, 5000, 1600)] // sample all near: threshold too tight, too few candidates
    public void MisleadingSampleFallsBackToExactRows(bool sampleFar, int G, int k)
    {
        var sampled = SampledColumns(G);
        var rng = new Random(9);
        var gallery = new float[G * 2];
        for (int j = 0; j < G; j++)
        {
            bool far = sampled.Contains(j) == sampleFar;
            double radius = far ? 100 + rng.NextDouble() : rng.NextDouble();
            double angle = rng.NextDouble() * 2 * Math.PI;
            gallery[2 * j] = (float)(radius * Math.Cos(angle));
            gallery[2 * j + 1] = (float)(radius * Math.Sin(angle));
        }
        using var scope = NewDisposeScope();
        var g = tensor(gallery).reshape(G, 2);
        var q = zeros(4, 2);
        var d = new EuclideanDistance();

        var offsets = g.square().sum(1).data<float>().ToArray();
        var fused = new FusedKnn(gallery, G, 2, offsets, -2f, 2);
        var idx = empty(new long[] { 4, k }, ScalarType.Int64);
        var keys = empty(new long[] { 4, k }, ScalarType.Float32);
        var qc = q.contiguous();
        fused.Search(() => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(qc.bytes), 4, -1, k,
            () => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(idx.bytes),
            () => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(keys.bytes));
        Assert.Equal(4, fused.Fallbacks);
        var gr = BruteForce.Rows(g);
        var reference = BruteForce.Ranking(d, new double[2], gr, -1);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < k; j++)
            {
                Assert.Equal(reference[j].Index, idx[i, j].item<long>());
                Assert.Equal(offsets[reference[j].Index], keys[i, j].item<float>()); // key = ‖g‖² − 2·0
            }

        var row = new RowTopK(G);
        var m = new float[G]; // q·g = 0 for q = 0: keys are the offsets ‖g‖²
        var cols = new long[k];
        var kv = new float[k];
        row.Select(m, offsets, -2f, -1, k, cols, kv);
        if (!sampleFar) Assert.True(row.Retries > 0); // a loose threshold costs RowTopK time, not correctness
        var byOffset = Enumerable.Range(0, G).OrderBy(j => offsets[j]).ThenBy(j => j).Take(k).Select(j => (long)j).ToArray();
        Assert.Equal(byOffset, cols);
    }

    [Theory]
    [InlineData("euclidean")]
    [InlineData("squared-euclidean")]
    [InlineData("cosine")]
    [InlineData("dot")]
    public void Float64DuplicatesTieAndComeInIndexOrder(string measure)
    {
        // A BLAS product can give a duplicate in a remainder block of columns (here row 101 of 102) another last bit
        // than its twin (row 0): the sort path must still tie them, for k = 1 (min) and for k > 1 (stable sort).
        using var scope = NewDisposeScope();
        var d = Make(measure);
        var g = randn(new long[] { 102, 12 }, dtype: ScalarType.Float64, generator: new Generator().manual_seed(4));
        g[101] = g[0];
        foreach (int k in new[] { 1, 101 })
        {
            var (idx, val) = Collect(g, g, k, d, excludeSelf: false, 64, ExactKnn.Method.Sort);
            for (int i = 0; i < 102; i++)
            {
                var row = Enumerable.Range(0, k).Select(j => idx[i, j]).ToList();
                int a = row.IndexOf(0), b = row.IndexOf(101);
                Assert.False(b >= 0 && a < 0, $"query {i}: row 101 without its twin, row 0");
                if (a >= 0 && b >= 0) Assert.True(b == a + 1 && val[i, a] == val[i, b], $"query {i}: twins at ranks {a} and {b}");
            }
        }
    }

    [Fact]
    public void Float64UsesTheSortPathAndMatchesBruteForce()
    {
        using var scope = NewDisposeScope();
        var g = randn(new long[] { 90, 4 }, dtype: ScalarType.Float64, generator: new Generator().manual_seed(2));
        var r = ExactKnn.Search(g, g, 9, new CosineDistance(), excludeSelf: true, blockSize: 13);
        Assert.Equal(ScalarType.Float64, r.Distances.dtype);
        var idx = new long[90, 9];
        var val = new double[90, 9];
        var ri = r.Indices.data<long>().ToArray();
        var rv = r.Distances.data<double>().ToArray();
        for (int i = 0; i < 90; i++)
            for (int j = 0; j < 9; j++)
            {
                idx[i, j] = ri[i * 9 + j];
                val[i, j] = rv[i * 9 + j];
            }
        AssertMatches(new CosineDistance(), BruteForce.Rows(g), BruteForce.Rows(g), idx, val, excludeSelf: true, tol: 1e-12);
    }

    [Fact]
    public void SearchEqualsBlocksAndLeaksNothing()
    {
        using var outer = NewDisposeScope();
        var g = randn(new long[] { 200, 8 }, generator: new Generator().manual_seed(4));
        var q = randn(new long[] { 33, 8 }, generator: new Generator().manual_seed(6));
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var r = ExactKnn.Search(q, g, 10, new SquaredEuclideanDistance(), blockSize: 5))
        {
            var (idx, val) = Collect(q, g, 10, new SquaredEuclideanDistance(), false, 33, ExactKnn.Method.Auto);
            var ri = r.Indices.data<long>().ToArray();
            var rv = r.Distances.data<float>().ToArray();
            for (int i = 0; i < 33; i++)
                for (int j = 0; j < 10; j++)
                {
                    // Search reports the k results' exact distances; the streamed blocks report the expansion's.
                    Assert.Equal(idx[i, j], ri[i * 10 + j]);
                    Assert.Equal(val[i, j], rv[i * 10 + j], 1e-5 * Math.Max(1, Math.Abs(val[i, j])));
                }
        }
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        using var scope = NewDisposeScope();
        var g = randn(10, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactKnn.Search(g, g, 10, excludeSelf: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactKnn.Search(g, g, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactKnn.Search(g, g, 3, blockSize: 0));
        Assert.Throws<ArgumentException>(() => ExactKnn.Search(randn(4, 2), g, 3));
        Assert.Throws<ArgumentException>(() => ExactKnn.Search(randn(11, 3), g, 3, excludeSelf: true));
        var bad = g.clone();
        bad[2, 1] = tensor(float.NaN);
        Assert.Throws<ArgumentException>(() => ExactKnn.Search(bad, g, 3));
        Assert.Throws<ArgumentException>(() => ExactKnn.Search(g, g.to_type(ScalarType.Float64), 3));
        using var none = ExactKnn.Search(g.narrow(0, 0, 0), g, 3);
        Assert.Equal(new long[] { 0, 3 }, none.Indices.shape);
    }
}
