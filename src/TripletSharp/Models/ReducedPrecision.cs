using static TorchSharp.torch;

namespace TripletSharp.Models;

/// <summary>The checks and casts the models with a reduced-precision training path share (<see cref="IReducedPrecisionTraining"/>).</summary>
internal static class ReducedPrecision
{
    /// <summary>
    /// <paramref name="value"/> when it is a training compute type the model accepts: float32 always, bfloat16 when
    /// <paramref name="supported"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Another type, or bfloat16 for a model without a bfloat16 path.</exception>
    public static ScalarType Validate(ScalarType value, bool supported, string modelName)
    {
        if (value is not (ScalarType.Float32 or ScalarType.BFloat16))
            throw new ArgumentOutOfRangeException(nameof(IReducedPrecisionTraining.TrainingComputeType), value,
                $"'{nameof(IReducedPrecisionTraining.TrainingComputeType)}' must be Float32 or BFloat16, got {value}.");
        if (value == ScalarType.BFloat16 && !supported)
            throw new ArgumentOutOfRangeException(nameof(IReducedPrecisionTraining.TrainingComputeType), value,
                $"The {modelName} model has no bfloat16 training path; '{nameof(IReducedPrecisionTraining.TrainingComputeType)}' must be Float32.");
        return value;
    }

    /// <summary><paramref name="parameter"/> cast to <paramref name="type"/> inside the autograd graph; null stays null.</summary>
    public static Tensor? Cast(Tensor? parameter, ScalarType type) => parameter?.to(type);
}
