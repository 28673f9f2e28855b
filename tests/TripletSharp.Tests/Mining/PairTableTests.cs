using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Mining;

/// <summary>
/// The host-only pair table (what the CPU kernels read) has the structure of the full one, gets its tensors on request,
/// and a loss reuses the miner's host arrays for the same labels only.
/// </summary>
public class PairTableTests
{
    [Fact]
    public void HostOnlyTable_HasTheSameStructure_AndItsTensorsOnRequest()
    {
        using var scope = NewDisposeScope();
        var labels = tensor(new long[] { 3, 1, 3, 2, 1, 3 });
        var host = PairTable.BuildHost(labels);
        var full = PairTable.Build(labels);
        Assert.False(host.HasTensors);
        Assert.Throws<InvalidOperationException>(() => host.PosIdx);
        Assert.Equal(full.HostPosIdx, host.HostPosIdx);
        Assert.Equal(full.HostClasses, host.HostClasses);
        // Positives of each anchor in ascending order, padded with the anchor itself (K = 2); classes in label order.
        Assert.Equal(new long[] { 2, 5, 4, 1, 0, 5, 3, 3, 1, 4, 0, 2 }, host.HostPosIdx);
        Assert.Equal(new[] { 2, 0, 2, 1, 0, 2 }, host.HostClasses);
        var withTensors = host.WithTensors();
        Assert.Same(withTensors, withTensors.WithTensors());
        Assert.Equal(new long[] { 1, 4, 3, 0, 2, 5 }, withTensors.Order.data<long>().ToArray());
        Assert.Equal(full.PosIdx.data<long>().ToArray(), withTensors.PosIdx.data<long>().ToArray());
        Assert.Equal(full.PosValid.data<bool>().ToArray(), withTensors.PosValid.data<bool>().ToArray());
        Assert.Equal(full.ClassStart.data<long>().ToArray(), withTensors.ClassStart.data<long>().ToArray());
        Assert.Equal(full.ClassSize.data<long>().ToArray(), withTensors.ClassSize.data<long>().ToArray());
        Assert.Equal(full.NegativeMask(0, 6).data<bool>().ToArray(), withTensors.NegativeMask(0, 6).data<bool>().ToArray());
    }

    [Fact]
    public void ReuseFor_SameLabels_SharesTheStructure_OtherLabels_Null()
    {
        using var scope = NewDisposeScope();
        var labels = tensor(new long[] { 0, 1, 1, 0, 2, 1, 0 });
        var built = PairTable.Build(labels);
        var reused = built.ReuseFor(labels.clone());
        Assert.NotNull(reused);
        Assert.False(reused!.HasTensors);
        Assert.Same(built.HostPosIdx, reused.HostPosIdx);
        Assert.Equal(built.K, reused.K);
        Assert.Equal(built.AllTripletCount, reused.AllTripletCount);
        var again = reused.WithTensors();
        Assert.Equal(built.PosIdx.data<long>().ToArray(), again.PosIdx.data<long>().ToArray());
        Assert.Equal(built.NegativeMask(0, 7).data<bool>().ToArray(), again.NegativeMask(0, 7).data<bool>().ToArray());
        Assert.Null(built.ReuseFor(tensor(new long[] { 0, 1, 1, 0, 2, 1, 1 })));
        Assert.Null(built.ReuseFor(tensor(new long[] { 0, 1, 1 })));
    }
}
