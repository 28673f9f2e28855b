using TripletSharp.Engine;
using TripletSharp.Mining;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Mining;

/// <summary>
/// The CPU band kernel splits the rows into blocks that any thread may run. Its totals, gradient weights and column
/// sums must not depend on that: bit-identical with 1 and with 4 threads, and from call to call (same seed and
/// threads = same training run).
/// </summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class DeterminismTests
{
    [Theory]
    [InlineData(false, "semihard")]
    [InlineData(true, "semihard")]
    [InlineData(true, "batch-all")]
    [InlineData(true, "hard")]
    public void BandKernel_IsBitIdentical_WhateverTheThreads(bool margin, string miner)
    {
        int before = get_num_threads();
        try
        {
            using var scope = NewDisposeScope();
            var gen = new Generator(11);
            var x = randn([1500, 16], generator: gen);
            var labels = randint(0, 12, [1500], generator: gen);
            var m = cdist(x, x);
            var table = PairTable.Build(labels);
            // Each band takes its own specialised row loop of the kernel.
            var band = miner switch
            {
                "batch-all" => new BatchAllMiner().Selection.ToEngine(),
                "hard" => new HardNegativeMiner().Selection.ToEngine(),
                _ => new SemiHardMiner(0.3).Selection.ToEngine(),
            };
            (BandTotals Totals, float[] Weights, double[] Rows, double[] Cols) Run(int threads)
            {
                set_num_threads(threads);
                var w = new GradientWeights(empty_like(m), divideByValue: true, wantSums: true);
                var totals = BandMath.Evaluate(m, false, table, band, margin ? 0.3 : null, w);
                return (totals, w.Weights.data<float>().ToArray(), w.RowSums!, w.ColSums!);
            }
            var one = Run(1);
            Assert.True(one.Totals.Count > 0 && one.Cols.Any(c => c != 0));
            for (int i = 0; i < 6; i++)
            {
                var many = Run(4);
                Assert.Equal(one.Totals, many.Totals);
                Assert.True(one.Weights.AsSpan().SequenceEqual(many.Weights), "gradient weights differ");
                Assert.True(one.Rows.AsSpan().SequenceEqual(many.Rows), "row sums differ");
                Assert.True(one.Cols.AsSpan().SequenceEqual(many.Cols), "column sums differ");
            }
        }
        finally
        {
            set_num_threads(before);
        }
    }

    /// <summary>
    /// The closed-form gradient's product V·x (a B×B matrix times B×D embeddings) through libtorch: MKL may split the inner
    /// sum across threads, and on an Intel Xeon it did (the semi-hard loss step below differed between 1 and 4 threads)
    /// until <see cref="NativeLibraries.EnsureLoaded"/> asked MKL for its strict reproducible mode (<c>MKL_CBWR</c>).
    /// </summary>
    [Fact]
    public void MatrixProduct_IsBitIdentical_WhateverTheThreads()
    {
        int before = get_num_threads();
        try
        {
            Assert.NotNull(Environment.GetEnvironmentVariable("MKL_CBWR"));
            using var scope = NewDisposeScope();
            var gen = new Generator(3);
            var v = randn([1500, 1500], generator: gen);
            var x = randn([1500, 16], generator: gen);
            set_num_threads(1);
            var one = v.mm(x).add_(v.t().mm(x)).data<float>().ToArray();
            set_num_threads(4);
            for (int i = 0; i < 3; i++)
                Assert.True(one.AsSpan().SequenceEqual(v.mm(x).add_(v.t().mm(x)).data<float>().ToArray()), "products differ");
        }
        finally
        {
            set_num_threads(before);
        }
    }

    /// <summary>
    /// The whole loss step on CPU kernels (FaceNet's and distance-weighted's explicit triplets through the sparse
    /// closed-form gradient, semi-hard's band): value and embedding gradient are
    /// bit-identical with 1 and with 4 threads.
    /// </summary>
    [Theory]
    [InlineData("facenet-semihard")]
    [InlineData("distance-weighted")]
    [InlineData("semihard")]
    public void LossStep_IsBitIdentical_WhateverTheThreads(string miner)
    {
        int before = get_num_threads();
        try
        {
            using var scope = NewDisposeScope();
            var gen = new Generator(12);
            var x = randn([1500, 16], generator: gen);
            var labels = randint(0, 12, [1500], generator: gen);
            (float Value, float[] Gradient) Run(int threads)
            {
                set_num_threads(threads);
                using var inner = NewDisposeScope();
                BaseMiner m = miner switch
                {
                    "facenet-semihard" => new FaceNetSemiHardMiner(),
                    "distance-weighted" => new DistanceWeightedMiner(seed: 5),
                    _ => new SemiHardMiner(0.3),
                };
                var xi = x.detach().clone().requires_grad_(true);
                using var mined = m.Mine(xi, labels);
                var loss = new TripletSharp.Losses.TripletMarginLoss(0.3).Compute(xi, labels, mined);
                loss.backward();
                return (loss.item<float>(), xi.grad!.data<float>().ToArray());
            }
            var one = Run(1);
            Assert.True(one.Value > 0 && one.Gradient.Any(g => g != 0));
            for (int i = 0; i < 3; i++)
            {
                var many = Run(4);
                Assert.Equal(one.Value, many.Value);
                Assert.True(one.Gradient.AsSpan().SequenceEqual(many.Gradient), "embedding gradients differ");
            }
        }
        finally
        {
            set_num_threads(before);
        }
    }
}
