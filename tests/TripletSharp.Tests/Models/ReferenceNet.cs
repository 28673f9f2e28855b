using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Models;

/// <summary>Plain double-precision loops for the layers of the built-in networks, used as independent references.</summary>
internal static class ReferenceNet
{
    public static double[] Flat(Tensor t) => t.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    /// <summary>3×3 convolution, stride 1, zero padding 1. x: [C][H][W], w: [O][C][3][3].</summary>
    public static double[,,] Conv3x3(double[,,] x, double[] w, double[] b, int outC)
    {
        int c = x.GetLength(0), h = x.GetLength(1), wd = x.GetLength(2);
        var y = new double[outC, h, wd];
        for (int o = 0; o < outC; o++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < wd; j++)
                {
                    double s = b[o];
                    for (int ci = 0; ci < c; ci++)
                        for (int di = -1; di <= 1; di++)
                            for (int dj = -1; dj <= 1; dj++)
                            {
                                int ii = i + di, jj = j + dj;
                                if (ii < 0 || jj < 0 || ii >= h || jj >= wd) continue;
                                s += w[((o * c + ci) * 3 + (di + 1)) * 3 + (dj + 1)] * x[ci, ii, jj];
                            }
                    y[o, i, j] = s;
                }
        return y;
    }

    public static double[,,] ReluPool(double[,,] x)
    {
        int c = x.GetLength(0), h = x.GetLength(1) / 2, w = x.GetLength(2) / 2;
        var y = new double[c, h, w];
        for (int k = 0; k < c; k++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                {
                    double m = double.NegativeInfinity;
                    for (int a = 0; a < 2; a++)
                        for (int bb = 0; bb < 2; bb++)
                            m = Math.Max(m, Math.Max(0, x[k, 2 * i + a, 2 * j + bb]));
                    y[k, i, j] = m;
                }
        return y;
    }

    /// <summary>y = W x + b with W row-major [out][in].</summary>
    public static double[] Linear(double[] x, double[] w, double[] b)
    {
        var y = new double[b.Length];
        for (int o = 0; o < b.Length; o++)
        {
            double s = b[o];
            for (int i = 0; i < x.Length; i++) s += w[o * x.Length + i] * x[i];
            y[o] = s;
        }
        return y;
    }

    public static double[] Relu(double[] x) => x.Select(v => Math.Max(0, v)).ToArray();

    public static double[] L2Normalize(double[] x)
    {
        double n = Math.Sqrt(x.Sum(v => v * v));
        return x.Select(v => v / Math.Max(n, 1e-12)).ToArray();
    }

    public static double[] Flatten(double[,,] x)
    {
        var r = new double[x.Length];
        int k = 0;
        foreach (var v in x) r[k++] = v; // row-major C, H, W: the order of torch's flatten
        return r;
    }

    public static double[,,] Image(Tensor item)
    {
        int c = (int)item.shape[0], h = (int)item.shape[1], w = (int)item.shape[2];
        var flat = Flat(item);
        var r = new double[c, h, w];
        for (int a = 0; a < c; a++) for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) r[a, i, j] = flat[(a * h + i) * w + j];
        return r;
    }

    public static Dictionary<string, double[]> Weights(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => Flat(p.parameter.detach()));
}
