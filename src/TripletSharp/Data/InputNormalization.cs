using static TorchSharp.torch;

namespace TripletSharp.Data;

/// <summary>Per-channel (images) or per-feature (vectors) standardisation, computed on the training split and stored with the model.</summary>
/// <param name="Mean">Mean per channel or feature.</param>
/// <param name="Std">Standard deviation per channel or feature (never 0).</param>
public sealed record InputNormalization(float[] Mean, float[] Std)
{
    /// <summary>Computes the statistics of <paramref name="train"/>.</summary>
    public static InputNormalization Compute(Dataset train) => throw new NotImplementedException();

    /// <summary>Standardises a batch of features (N×C×H×W or N×F), on the batch's device.</summary>
    public Tensor Apply(Tensor features) => throw new NotImplementedException();
}
