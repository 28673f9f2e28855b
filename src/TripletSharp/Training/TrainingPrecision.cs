using System.Text.Json.Serialization;

namespace TripletSharp.Training;

/// <summary>The floating-point precision of the training step (forward and backward); evaluation is always float32.</summary>
public enum TrainingPrecision
{
    /// <summary>Everything in float32 (the default).</summary>
    [JsonStringEnumMemberName("fp32")]
    Fp32,

    /// <summary>
    /// Convolutions and matrix products in bfloat16 from a bfloat16 copy of the weights made inside the graph; master
    /// weights, gradients, optimiser state, loss, miner and distances stay float32. Needs a model with a bfloat16 path
    /// (the ConvNet, the MLP, ResNet-18 and ResNet-34) and hardware with native bfloat16 (on CPU: AVX-512 BF16 or AMX); otherwise training falls back
    /// to float32 with a one-line notice.
    /// </summary>
    [JsonStringEnumMemberName("bf16-mixed")]
    Bf16Mixed,
}
