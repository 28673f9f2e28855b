using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>
/// Plumbing shared by every miner: argument checks, <c>no_grad</c>, a dispose scope, the distance matrix and
/// the same/other-class masks. A variant only implements <see cref="MineCore"/>.
/// </summary>
public abstract class BaseMiner
{
    /// <summary>Creates a miner that selects with <paramref name="distance"/> (Euclidean when null).</summary>
    protected BaseMiner(BaseDistance? distance) => Distance = distance ?? new EuclideanDistance();

    /// <summary>The measure used to select triplets.</summary>
    public BaseDistance Distance { get; }

    /// <summary>Short name used in configs and the CLI (for example <c>semihard</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Selects triplets from a batch of <paramref name="embeddings"/> (B×D) with class <paramref name="labels"/> (B or B×1).</summary>
    public MiningResult Mine(Tensor embeddings, Tensor labels) => throw new NotImplementedException();

    /// <summary>Selects triplets given the B×B matrix of <see cref="Distance"/> and int64 labels; runs under no_grad.</summary>
    protected abstract MiningResult MineCore(Tensor distances, Tensor labels);
}
