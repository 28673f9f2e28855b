using static TorchSharp.torch;

namespace TripletSharp.Tests;

public class TorchLoadsTests
{
    [Fact]
    public void LibTorchLoadsAndComputes()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 0, 0, 3, 4 }).reshape(2, 2);
        var d = cdist(x, x);
        Assert.Equal(5f, d[0, 1].item<float>(), 5);
        var w = x.clone().requires_grad_(true);
        var loss = (w * w).sum();
        loss.backward();
        Assert.Equal(6f, w.grad!.data<float>()[2], 5);
    }
}
