using static TorchSharp.torch;

namespace TripletSharp.Models;

/// <summary>
/// A module that can run its convolutions and matrix products in a reduced floating-point type while training
/// (mixed precision): its parameters stay float32 (the master weights the optimiser updates), each training forward
/// casts them to <see cref="TrainingComputeType"/> inside the autograd graph, so the gradients arrive in float32,
/// and the output is float32. In eval mode the module always computes in float32.
/// </summary>
public interface IReducedPrecisionTraining
{
    /// <summary>The type a training-mode forward computes in: <see cref="ScalarType.Float32"/> (the default) or <see cref="ScalarType.BFloat16"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to another type, or to bfloat16 when <see cref="SupportsReducedPrecision"/> is false.</exception>
    ScalarType TrainingComputeType { get; set; }

    /// <summary>
    /// Whether this instance has the reduced-precision path (a <see cref="BackboneNet"/> has it for ResNet-18 and
    /// ResNet-34 only); when false, <see cref="TrainingComputeType"/> stays float32.
    /// </summary>
    bool SupportsReducedPrecision { get; }
}
