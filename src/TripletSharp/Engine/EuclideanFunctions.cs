using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>Euclidean self-matrix with a closed-form backward (avoids autograd's sqrt/where/cat chain on B×B tensors).</summary>
internal sealed class EuclideanSelfFunction : autograd.SingleTensorFunction<EuclideanSelfFunction>
{
    public override string Name => "TripletSharpEuclideanSelf";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        bool root = (bool)vars[1];
        var m = DistanceMath.EuclideanValues(x, x, root);
        ctx.save_for_backward(new List<Tensor> { x, m });
        ctx.save_data("root", root);
        return m;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad)
    {
        var saved = ctx.get_saved_variables();
        var (dq, dr) = DistanceMath.EuclideanBackward(grad, saved[0], saved[0], saved[1], (bool)ctx.get_data("root"));
        return new List<Tensor> { dq.add_(dr, Scalars.One), null! };
    }
}

/// <summary>Euclidean query×reference matrix with a closed-form backward.</summary>
internal sealed class EuclideanCrossFunction : autograd.SingleTensorFunction<EuclideanCrossFunction>
{
    public override string Name => "TripletSharpEuclideanCross";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var q = (Tensor)vars[0];
        var r = (Tensor)vars[1];
        bool root = (bool)vars[2];
        var m = DistanceMath.EuclideanValues(q, r, root);
        ctx.save_for_backward(new List<Tensor> { q, r, m });
        ctx.save_data("root", root);
        return m;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad)
    {
        var saved = ctx.get_saved_variables();
        var (dq, dr) = DistanceMath.EuclideanBackward(grad, saved[0], saved[1], saved[2], (bool)ctx.get_data("root"));
        return new List<Tensor> { dq, dr, null! };
    }
}
