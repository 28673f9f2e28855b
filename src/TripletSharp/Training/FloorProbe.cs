using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TripletSharp.Training;

/// <summary>
/// The training floor, measured side by side with training: a copy of the model with its own optimiser does forward,
/// a trivial loss (the sum of the embeddings), backward and an optimiser step on each batch right after the real step,
/// so both see the same machine noise. Training is unaffected (separate weights, separate optimiser, no shared RNG).
/// </summary>
internal sealed class FloorProbe : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> copy;
    private readonly OptimizerHelper optimizer;
    private readonly Stopwatch watch = new();

    public FloorProbe(nn.Module<Tensor, Tensor> copy, byte[] weights, Func<IEnumerable<Parameter>, OptimizerHelper> createOptimizer)
    {
        this.copy = copy;
        using (var ms = new MemoryStream(weights, writable: false)) copy.load(ms);
        copy.train();
        optimizer = createOptimizer(copy.parameters());
    }

    /// <summary>Runs one floor step on the items <paramref name="indices"/> of <paramref name="features"/>; returns its seconds.</summary>
    public double Step(Tensor features, long[] indices)
    {
        watch.Restart();
        using (var scope = torch.NewDisposeScope())
        {
            var output = copy.forward(features.index_select(0, torch.tensor(indices, ScalarType.Int64)));
            var trivial = output.sum();
            optimizer.zero_grad();
            trivial.backward();
            optimizer.step();
        }
        watch.Stop();
        return watch.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        optimizer.Dispose();
        copy.Dispose();
    }
}
