namespace TripletSharp.Models;

/// <summary>
/// The names of the built-in architectures, as the command line, <c>config.json</c> and <c>model.json</c> write them
/// (one table; it lives with <see cref="ModelKind"/> because the name registry sits below the Models layer).
/// </summary>
public static class ModelKinds
{
    private static readonly (string Name, ModelKind Kind)[] Table =
    [
        ("resnet18", ModelKind.ResNet18),
        ("resnet34", ModelKind.ResNet34),
        ("resnet50", ModelKind.ResNet50),
        ("mobilenet_v2", ModelKind.MobileNetV2),
        ("mobilenet_v3_small", ModelKind.MobileNetV3Small),
        ("mobilenet_v3_large", ModelKind.MobileNetV3Large),
        ("convnet", ModelKind.ConvNet),
        ("mlp", ModelKind.Mlp),
    ];

    /// <summary>Architecture names: resnet18, resnet34, resnet50, mobilenet_v2, mobilenet_v3_small, mobilenet_v3_large, convnet, mlp.</summary>
    public static IReadOnlyList<string> Names { get; } = Table.Select(m => m.Name).ToArray();

    /// <summary>The architecture called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public static ModelKind Parse(string name)
    {
        foreach (var (n, kind) in Table)
            if (n == name) return kind;
        throw new ArgumentException($"'{nameof(name)}' must be one of {string.Join(", ", Names)}; got '{name}' (unknown model).", nameof(name));
    }

    /// <summary>The name of <paramref name="kind"/>; "custom" for a user's module.</summary>
    public static string Name(ModelKind kind) =>
        kind == ModelKind.Custom ? "custom" : Table.First(m => m.Kind == kind).Name;
}
