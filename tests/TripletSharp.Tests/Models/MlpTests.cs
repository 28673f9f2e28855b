using TorchSharp;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Models;

public class MlpTests
{
    [Theory]
    [InlineData(new int[] { 7, 5 }, true)]
    [InlineData(new int[0], false)]
    public void Forward_EqualsDoublePrecisionReference(int[] hidden, bool normalize)
    {
        torch.manual_seed(3);
        using var net = new Mlp(6, hidden, 4, normalize);
        using var x = torch.randn(5, 6);
        using var y = net.forward(x);
        Assert.Equal(new long[] { 5, 4 }, y.shape);
        var w = ReferenceNet.Weights(net);
        var xs = ReferenceNet.Flat(x);
        var actual = ReferenceNet.Flat(y);
        int layers = hidden.Length + 1;
        for (int n = 0; n < 5; n++)
        {
            var h = xs.Skip(n * 6).Take(6).ToArray();
            for (int l = 0; l < layers; l++)
            {
                h = ReferenceNet.Linear(h, w[$"layers.{l}.weight"], w[$"layers.{l}.bias"]);
                if (l < layers - 1) h = ReferenceNet.Relu(h);
            }
            if (normalize) h = ReferenceNet.L2Normalize(h);
            for (int j = 0; j < 4; j++) Assert.Equal(h[j], actual[n * 4 + j], 5);
        }
    }

    [Fact]
    public void InputGradient_MatchesFiniteDifferences_InDoublePrecision()
    {
        torch.manual_seed(11);
        using var net = new Mlp(4, [6], 3, normalize: true);
        net.to(ScalarType.Float64);
        using var x0 = torch.randn(2, 4, dtype: ScalarType.Float64);
        using var weights = torch.randn(2, 3, dtype: ScalarType.Float64);
        using var x = x0.clone().requires_grad_(true);
        using (var f = (net.forward(x) * weights).sum()) f.backward();
        var grad = ReferenceNet.Flat(x.grad!);
        var basis = ReferenceNet.Flat(x0);
        const double h = 1e-6;
        for (int i = 0; i < basis.Length; i++)
        {
            double Eval(double delta)
            {
                var v = (double[])basis.Clone();
                v[i] += delta;
                using var _ = torch.no_grad();
                using var xi = torch.tensor(v, [2, 4], ScalarType.Float64);
                using var o = (net.forward(xi) * weights).sum();
                return o.item<double>();
            }
            double numeric = (Eval(h) - Eval(-h)) / (2 * h);
            Assert.Equal(numeric, grad[i], 6);
        }
    }

    [Fact]
    public void ImageInput_IsFlattened_AndWrongWidthThrows()
    {
        using var net = new Mlp(12, [8], 2);
        using var img = torch.rand(3, 1, 3, 4);
        using var y = net.forward(img);
        Assert.Equal(new long[] { 3, 2 }, y.shape);
        using var bad = torch.rand(3, 5);
        Assert.Throws<ArgumentException>(() => net.forward(bad));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Mlp(4, [0], 2));
    }
}
