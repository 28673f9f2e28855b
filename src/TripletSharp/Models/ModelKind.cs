namespace TripletSharp.Models;

/// <summary>The built-in embedding architectures.</summary>
public enum ModelKind
{
    /// <summary>The small two-block convolutional network for images (<see cref="ConvNet"/>).</summary>
    ConvNet,

    /// <summary>A multi-layer perceptron for feature vectors (<see cref="Mlp"/>).</summary>
    Mlp,

    /// <summary>A user-supplied module; loading its folder needs the module passed in.</summary>
    Custom,
}
