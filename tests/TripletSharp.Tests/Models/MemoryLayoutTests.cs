using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Models;

/// <summary>
/// <see cref="MemoryLayout.ChannelsLast"/>: exact channels-last strides for any channel count (one channel included,
/// where the permute–contiguous–permute round trip alone gives N×C×H×W strides back), the same values, and a
/// convolution on the result writes channels-last.
/// </summary>
public class MemoryLayoutTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(32)]
    public void ChannelsLast_HasChannelsLastStrides_TheSameValues_AndTheConvolutionAfterItWritesChannelsLast(int channels)
    {
        using var scope = NewDisposeScope();
        var x = rand(2, channels, 5, 6);
        var cl = MemoryLayout.ChannelsLast(x);
        Assert.Equal(x.shape, cl.shape);
        Assert.Equal([5L * 6 * channels, 1, 6L * channels, channels], cl.stride());
        Assert.True(cl.equal(x).all().item<bool>());

        var w = MemoryLayout.ChannelsLast(rand(4, channels, 3, 3));
        Assert.Equal([9L * channels, 1, 3L * channels, channels], w.stride());
        // The layout libtorch chose for the output: channels-last (channel stride 1), so the pooling after it runs NHWC.
        var y = nn.functional.conv2d(cl, w, padding: [1, 1]);
        Assert.Equal([5L * 6 * 4, 1, 6L * 4, 4], y.stride());
    }

    [Fact]
    public void ChannelsLast_OfAOneChannelWeight_PassesGradientsBack()
    {
        using var scope = NewDisposeScope();
        var w = rand(4, 1, 3, 3).requires_grad_(true);
        var x = MemoryLayout.ChannelsLast(rand(2, 1, 6, 6));
        var g = rand(2, 4, 6, 6);
        nn.functional.conv2d(x, MemoryLayout.ChannelsLast(w), padding: [1, 1]).mul(g).sum().backward();
        var expected = w.detach().clone().requires_grad_(true);
        nn.functional.conv2d(x.contiguous(), expected, padding: [1, 1]).mul(g).sum().backward();
        Assert.True(w.grad!.allclose(expected.grad!, rtol: 1e-5, atol: 1e-5));
    }
}
