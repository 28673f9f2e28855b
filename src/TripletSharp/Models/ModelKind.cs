using System.Text.Json.Serialization;

namespace TripletSharp.Models;

/// <summary>The built-in embedding architectures.</summary>
/// <remarks>
/// In <c>model.json</c> and on the command line each kind is written as its <see cref="ModelKinds.Names"/>
/// name (convnet, mlp, resnet18, mobilenet_v2…).
/// </remarks>
public enum ModelKind
{
    /// <summary>The small two-block convolutional network for images (<see cref="ConvNet"/>).</summary>
    ConvNet,

    /// <summary>A multi-layer perceptron for feature vectors (<see cref="Mlp"/>).</summary>
    Mlp,

    /// <summary>A user-supplied module; loading its folder needs the module passed in.</summary>
    Custom,

    /// <summary>TorchVision's ResNet-18 without its classifier, then an embedding head (<see cref="BackboneNet"/>).</summary>
    ResNet18,

    /// <summary>TorchVision's ResNet-34 without its classifier, then an embedding head (<see cref="BackboneNet"/>).</summary>
    ResNet34,

    /// <summary>TorchVision's ResNet-50 without its classifier, then an embedding head (<see cref="BackboneNet"/>).</summary>
    ResNet50,

    /// <summary>TorchVision's MobileNetV2 without its classifier, then an embedding head (<see cref="BackboneNet"/>).</summary>
    [JsonStringEnumMemberName("mobilenet_v2")]
    MobileNetV2,

    /// <summary>TorchVision's small MobileNetV3 without its classifier, then an embedding head (<see cref="BackboneNet"/>).</summary>
    [JsonStringEnumMemberName("mobilenet_v3_small")]
    MobileNetV3Small,

    /// <summary>TorchVision's large MobileNetV3 without its classifier, then an embedding head (<see cref="BackboneNet"/>).</summary>
    [JsonStringEnumMemberName("mobilenet_v3_large")]
    MobileNetV3Large,
}
