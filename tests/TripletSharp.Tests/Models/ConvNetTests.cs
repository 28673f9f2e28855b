using TorchSharp;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Models;

public class ConvNetTests
{
    [Theory]
    [InlineData(1, 8, 8, 5, true)]
    [InlineData(3, 10, 9, 4, false)] // odd sizes: the poolings floor (10→5→2, 9→4→2)
    public void Forward_EqualsDoublePrecisionReference(int channels, int height, int width, int dim, bool normalize)
    {
        torch.manual_seed(7);
        using var net = new ConvNet(channels, height, width, dim, normalize);
        using var x = torch.randn(3, channels, height, width);
        using var y = net.forward(x);
        Assert.Equal(new long[] { 3, dim }, y.shape);
        var w = ReferenceNet.Weights(net);
        var actual = ReferenceNet.Flat(y);
        for (int n = 0; n < 3; n++)
        {
            using var item = x[n];
            var h = ReferenceNet.ReluPool(ReferenceNet.Conv3x3(ReferenceNet.Image(item), w["conv1.weight"], w["conv1.bias"], 32));
            h = ReferenceNet.ReluPool(ReferenceNet.Conv3x3(h, w["conv2.weight"], w["conv2.bias"], 64));
            var f = ReferenceNet.Relu(ReferenceNet.Linear(ReferenceNet.Flatten(h), w["fc1.weight"], w["fc1.bias"]));
            var e = ReferenceNet.Linear(f, w["fc2.weight"], w["fc2.bias"]);
            if (normalize) e = ReferenceNet.L2Normalize(e);
            for (int j = 0; j < dim; j++) Assert.Equal(e[j], actual[n * dim + j], 4);
        }
    }

    [Fact]
    public void Normalised_RowsHaveUnitNorm_AndGradientFlows()
    {
        torch.manual_seed(1);
        using var net = new ConvNet(1, 28, 28, 64);
        using var x = torch.rand(16, 1, 28, 28);
        using var y = net.forward(x);
        using var norms = y.norm(1);
        foreach (var n in ReferenceNet.Flat(norms)) Assert.Equal(1.0, n, 5);
        using var loss = y.sum();
        loss.backward();
        foreach (var p in net.parameters())
        {
            using var g = p.grad;
            Assert.NotNull(g);
            Assert.True(g!.isfinite().all().item<bool>());
        }
    }

    [Fact]
    public void WrongInputShape_ThrowsNamingTheExpectedShape()
    {
        using var net = new ConvNet(1, 28, 28, 8);
        using var x = torch.rand(2, 3, 28, 28);
        var e = Assert.Throws<ArgumentException>(() => net.forward(x));
        Assert.Contains("N×1×28×28", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConvNet(1, 3, 28));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConvNet(0, 28, 28));
    }
}
