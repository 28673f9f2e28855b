using System.Diagnostics;
using TorchSharp;
using TripletSharp.Engine;
using TripletSharp.Losses;
using TripletSharp.Mining;
using TripletSharp.Tests.Reference;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Losses;

public class ResourceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void RepeatedMiningAndLossLeaveNoLiveTensors()
    {
        var batch = TestData.Gaussian(81, 48, 8, 6, duplicates: 3, lone: 2);
        var x0 = batch.Embeddings();
        var labels = batch.LabelTensor();
        var losses = new[] { new TripletMarginLoss(), new TripletMarginLoss(softMargin: true, swap: true), new TripletMarginLoss(reducer: new NoReducer()) };
        void Step()
        {
            foreach (var name in Cases.MinerNames)
            foreach (var loss in losses)
            foreach (bool torchOnly in new[] { false, true })
            {
                EngineSwitches.TorchOnly = torchOnly;
                try
                {
                    using var scope = NewDisposeScope();
                    var x = x0.clone().requires_grad_(true);
                    using var mined = Cases.Miner(name, loss.Distance)?.Mine(x, labels);
                    _ = mined?.Stats;
                    var value = loss.Compute(x, labels, mined);
                    (value.numel() == 1 ? value : value.sum()).backward();
                }
                finally
                {
                    EngineSwitches.TorchOnly = false;
                }
            }
        }
        Step(); // warm-up: lazily created statics
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Step();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        // Results outside any scope: only the returned tensors stay alive, and disposing them frees everything.
        using (var mined = new SemiHardMiner().Mine(x0, labels))
        {
            var result = new TripletMarginLoss().ComputeDetailed(x0, labels, mined);
            _ = mined.Stats;
            result.Loss.Dispose();
        }
        using (var mined = new BatchHardMiner().Mine(x0, labels))
            new TripletMarginLoss().Compute(x0, labels, mined).Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    /// <summary>B = 4096, D = 128, every miner with the loss, forward and backward, in O(B²) memory.</summary>
    [Fact]
    public void LargeBatchRunsForEveryMiner()
    {
        int b = 4096, d = 128;
        manual_seed(4);
        using var outer = NewDisposeScope();
        var x0 = nn.functional.normalize(randn(b, d), 2, 1);
        var labels = randint(0, 64, new long[] { b });
        var watch = Stopwatch.StartNew();
        var timings = new List<string>();
        foreach (var name in Cases.MinerNames)
        {
            var step = Stopwatch.StartNew();
            using var scope = NewDisposeScope();
            var x = x0.clone().requires_grad_(true);
            using var mined = Cases.Miner(name, new TripletSharp.Distances.EuclideanDistance())?.Mine(x, labels);
            var result = new TripletMarginLoss().ComputeDetailed(x, labels, mined);
            result.Loss.backward();
            Assert.True(result.Loss.isfinite().item<bool>());
            Assert.True(x.grad!.isfinite().all().item<bool>());
            Assert.True(result.TripletCount > 0);
            if (mined is not null) Assert.Equal(mined.Stats.TripletCount, result.TripletCount);
            timings.Add($"{name} {step.ElapsedMilliseconds} ms");
        }
        output.WriteLine(string.Join(", ", timings));
        Assert.True(watch.Elapsed.TotalSeconds < 120, string.Join(", ", timings));
    }
}
