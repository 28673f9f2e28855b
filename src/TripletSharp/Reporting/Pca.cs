using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Reporting;

/// <summary>Principal component analysis by the eigen-decomposition of the covariance matrix (computed in float64).</summary>
internal static class Pca
{
    /// <summary>
    /// Projects the rows of <paramref name="x"/> on its first <paramref name="components"/> principal axes.
    /// Each axis's sign is fixed so that its largest-magnitude coefficient is positive, which makes the result
    /// deterministic. Axes beyond the data's dimension are zero.
    /// </summary>
    /// <param name="x">N×D data (floating point, any device).</param>
    /// <param name="components">Number of axes.</param>
    /// <returns>N×<paramref name="components"/> projections, centred, in the dtype of <paramref name="x"/>.</returns>
    public static Tensor Project(Tensor x, int components = 2) => Fit(x, components).Projection;

    internal static (Tensor Projection, double[] ExplainedVarianceRatio) Fit(Tensor x, int components)
    {
        Guard.Embeddings(x, nameof(x));
        Guard.Positive(components, nameof(components));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        long n = x.shape[0], d = x.shape[1];
        var xd = x.to_type(ScalarType.Float64);
        var centred = xd - xd.mean([0], keepdim: true);
        using var dof = Scalars.Make(n - 1);
        var cov = n > 1 ? centred.t().matmul(centred).div(dof) : torch.zeros(d, d, dtype: ScalarType.Float64, device: x.device);
        var (values, vectors) = torch.linalg.eigh(cov);
        int k = (int)Math.Min(components, d);
        // eigh sorts ascending: the last k columns, reversed, are the leading axes.
        using var first = Scalars.Make(d - 1);
        using var stop = Scalars.Make(d - 1 - k);
        var order = torch.arange(first, stop, Scalars.Of(-1L), dtype: ScalarType.Int64, device: x.device);
        var axes = vectors.index_select(1, order);
        var lead = values.index_select(0, order).clamp_min(Scalars.I0);
        var pivot = axes.abs().argmax(0, keepdim: true);
        var signs = axes.gather(0, pivot).sign();
        signs = torch.where(signs.eq(Scalars.I0), torch.ones_like(signs), signs);
        axes = axes * signs;
        var proj = centred.matmul(axes);
        if (k < components)
            proj = torch.cat([proj, torch.zeros(n, components - k, dtype: ScalarType.Float64, device: x.device)], 1);
        double total = values.clamp_min(Scalars.I0).sum().item<double>();
        var ratio = lead.cpu().data<double>().Select(v => total > 0 ? v / total : 0).ToList();
        while (ratio.Count < components) ratio.Add(0);
        return (proj.to_type(x.dtype).MoveToOuterDisposeScope(), ratio.ToArray());
    }
}
