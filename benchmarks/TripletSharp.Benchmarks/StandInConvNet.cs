using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>
/// Placeholder for TripletSharp.Models.ConvNet until the model lands on this branch: three conv–BN–ReLU blocks
/// (32, 64, 128 channels; max-pool after the first two), global average pooling and a linear embedding head.
/// Every row produced with it says so (<see cref="DefaultModel.Description"/>).
/// </summary>
internal sealed class StandInConvNet : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _features;
    private readonly Linear _head;

    public StandInConvNet(long channels, long embeddingDim) : base(nameof(StandInConvNet))
    {
        _features = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding: 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding: 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding: 1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1));
        _head = nn.Linear(128, embeddingDim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return _head.forward(_features.forward(input).flatten(1)).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _features.Dispose();
            _head.Dispose();
        }
        base.Dispose(disposing);
    }
}
