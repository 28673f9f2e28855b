using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using TripletSharp.Data;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Export;

/// <summary>
/// Writes the whole embedding function of a <see cref="ModelBundle"/> as one ONNX model: the input standardisation,
/// the network (in inference mode) and the L2 normalisation when the model normalises. The graph has one float32
/// input <see cref="InputName"/> of shape [batch, …item shape] holding raw items exactly as
/// <see cref="ModelBundle.Embed(Tensor, int)"/> takes them (images C×H×W in [0, 1], or feature vectors), and one
/// float32 output <see cref="OutputName"/> of shape [batch, embedding dim]; the batch axis is dynamic. The model's
/// description goes into <c>metadata_props</c> under the keys of <see cref="OnnxMetadataKeys"/>.
/// </summary>
/// <remarks>
/// <para>Layers are mapped one to one: Conv2d → <c>Conv</c>, Linear → <c>Gemm</c> (transB = 1; <c>MatMul</c>+<c>Add</c> on
/// inputs of rank above 2), ReLU → <c>Relu</c>, MaxPool2d → <c>MaxPool</c>, Flatten → <c>Flatten</c>, BatchNorm1d/2d →
/// <c>BatchNormalization</c> with the running statistics (inference mode; not folded into the convolution, which ONNX
/// Runtime does itself when it optimises the graph), Dropout and Identity → nothing. The standardisation is
/// <c>Sub</c>+<c>Div</c> by per-channel constants, and the L2 normalisation is x / max(‖x‖₂, 1e-12) as
/// <c>ReduceL2</c>+<c>Max</c>+<c>Div</c>, the formula of <c>torch.nn.functional.normalize</c>.</para>
/// <para>The built-in <see cref="ConvNet"/> and <see cref="Mlp"/> are exported from their known forward pass; a custom
/// network is exported when it is an <c>nn.Sequential</c> of the layers above. Anything else raises
/// <see cref="UnsupportedLayerException"/> naming the layer. The output is deterministic: the same model and options
/// give the same bytes.</para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The default operator set version.</summary>
    public const int DefaultOpset = 17;

    /// <summary>The lowest operator set version the exporter writes.</summary>
    public const int MinOpset = 13;

    /// <summary>The highest operator set version the exporter writes.</summary>
    public const int MaxOpset = 21;

    /// <summary>Name of the graph input.</summary>
    public const string InputName = "input";

    /// <summary>Name of the graph output.</summary>
    public const string OutputName = "embedding";

    /// <summary>Name of the symbolic batch dimension of the input and output.</summary>
    public const string BatchDimension = "batch";

    /// <summary>The epsilon of the L2 normalisation (the default of <c>torch.nn.functional.normalize</c>).</summary>
    internal const float L2Epsilon = 1e-12f;

    private static readonly JsonSerializerOptions CompactJson = new(JsonDefaults.Options) { WriteIndented = false };

    /// <summary>Writes <paramref name="bundle"/> as an ONNX model to <paramref name="path"/>, atomically.</summary>
    /// <param name="bundle">The model to export.</param>
    /// <param name="path">The .onnx file to write (its folder is created if needed).</param>
    /// <param name="options">Opset and calibration; defaults when null.</param>
    /// <exception cref="UnsupportedLayerException">The network holds a layer that has no ONNX mapping here.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The opset is outside <see cref="MinOpset"/>..<see cref="MaxOpset"/>.</exception>
    public static void Export(ModelBundle bundle, string path, OnnxExportOptions? options = null)
    {
        Guard.NotNull(bundle, nameof(bundle));
        Guard.NotNull(path, nameof(path));
        var bytes = ToBytes(bundle, options);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>The ONNX model of <paramref name="bundle"/> as serialised protobuf bytes (what <see cref="Export"/> writes).</summary>
    /// <exception cref="UnsupportedLayerException">The network holds a layer that has no ONNX mapping here.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The opset is outside <see cref="MinOpset"/>..<see cref="MaxOpset"/>.</exception>
    public static byte[] ToBytes(ModelBundle bundle, OnnxExportOptions? options = null)
    {
        Guard.NotNull(bundle, nameof(bundle));
        return Build(bundle, options ?? new OnnxExportOptions()).ToByteArray();
    }

    /// <summary>Builds the model proto.</summary>
    internal static ModelProto Build(ModelBundle bundle, OnnxExportOptions options)
    {
        int opset = options.Opset;
        if (opset < MinOpset || opset > MaxOpset)
            throw new ArgumentOutOfRangeException(nameof(options), opset, $"'{nameof(OnnxExportOptions.Opset)}' must be from {MinOpset} to {MaxOpset}, got {opset}.");
        var itemShape = bundle.Input.ItemShape ?? [];
        if (itemShape.Length == 0 || itemShape.Any(d => d <= 0))
            throw new ArgumentException($"The model's input item shape [{string.Join(", ", itemShape)}] is not a known fixed shape.", nameof(bundle));

        var g = new OnnxGraphBuilder("tripletsharp_embedding");
        g.Graph.Input.Add(OnnxGraphBuilder.FloatValue(InputName, BatchDimension, itemShape));
        var x = new Flow(g, InputName, itemShape.Length + 1, opset);

        if (bundle.Input.Normalization is { } norm) x = Standardise(x, norm, itemShape);
        x = Network(x, bundle.Module, out bool l2);
        // A custom module is normalised by ModelBundle after its forward pass when the architecture says so: the graph too.
        if (l2 || ModelBundle.NormalizesOutside(bundle.Architecture)) x = L2Normalise(x);
        // The graph's output is produced by an Identity so that its name is fixed whatever the last layer was.
        g.Node("Identity", [x.Name], OutputName);
        g.Graph.Output.Add(OnnxGraphBuilder.FloatValue(OutputName, BatchDimension, [bundle.EmbeddingDim]));
        if (x.Rank != 2)
            throw new UnsupportedLayerException("", bundle.Module.GetType().Name, $"the network's output has rank {x.Rank}; an embedding must be batch × dimension.");
        if (x.Features is long width && width != bundle.EmbeddingDim)
            throw new ArgumentException($"The network's last layer gives {width} dimensions but the model's architecture says {bundle.EmbeddingDim}.", nameof(bundle));

        var model = new ModelProto
        {
            IrVersion = IrVersionFor(opset),
            ProducerName = "TripletSharp",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
            ModelVersion = 1,
            DocString = $"TripletSharp embedding model ({bundle.Architecture.Kind}, {bundle.Input.Describe()} → {bundle.EmbeddingDim} dimensions).",
            Graph = g.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        foreach (var (key, value) in Metadata(bundle, options))
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    /// <summary>The metadata entries, in a fixed order.</summary>
    internal static List<KeyValuePair<string, string>> Metadata(ModelBundle bundle, OnnxExportOptions options)
    {
        var input = bundle.Input;
        var m = new List<KeyValuePair<string, string>>();
        void Add(string k, string v) => m.Add(new(k, v));
        Add(OnnxMetadataKeys.Format, OnnxMetadataKeys.FormatName);
        Add(OnnxMetadataKeys.Version, OnnxMetadataKeys.CurrentVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add(OnnxMetadataKeys.Architecture, bundle.Architecture.Kind.ToString());
        Add(OnnxMetadataKeys.InputKind, input.Kind == DataKind.Images ? "images" : "vectors");
        Add(OnnxMetadataKeys.ItemShape, JsonSerializer.Serialize(input.ItemShape));
        if (input.Kind == DataKind.Images && input.ItemShape.Length == 3)
        {
            Add(OnnxMetadataKeys.Channels, Invariant(input.ItemShape[0]));
            Add(OnnxMetadataKeys.ImageHeight, Invariant(input.ItemShape[1]));
            Add(OnnxMetadataKeys.ImageWidth, Invariant(input.ItemShape[2]));
        }
        Add(OnnxMetadataKeys.EmbeddingDim, Invariant(bundle.EmbeddingDim));
        Add(OnnxMetadataKeys.L2Normalized, IsL2Normalised(bundle.Module) || ModelBundle.NormalizesOutside(bundle.Architecture) ? "true" : "false");
        Add(OnnxMetadataKeys.Measure, bundle.DistanceName);
        Add(OnnxMetadataKeys.Classes, JsonSerializer.Serialize(bundle.ClassNames));
        if (input.Normalization is { } n)
            Add(OnnxMetadataKeys.InputNormalization, JsonSerializer.Serialize(new JsonObject
            {
                ["mean"] = new JsonArray(n.Mean.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
                ["std"] = new JsonArray(n.Std.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
            }));
        if (input.Data is { } data) Add(OnnxMetadataKeys.DataOptions, JsonSerializer.Serialize(data, CompactJson));
        var calibration = options.Calibration ?? bundle.Training?["calibration"];
        if (calibration is not null) Add(OnnxMetadataKeys.Calibration, calibration.ToJsonString());
        Add(OnnxMetadataKeys.WeightsSha256, Convert.ToHexStringLower(SHA256.HashData(ModelBundle.SerializeModule(bundle.Module))));
        return m;
    }

    /// <summary>The ONNX IR version that goes with an opset (the release that introduced the opset).</summary>
    internal static long IrVersionFor(int opset) => opset switch
    {
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };

    private static string Invariant(long v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsL2Normalised(nn.Module<Tensor, Tensor> module) => module switch
    {
        ConvNet c => c.Normalize,
        Mlp p => p.Normalize,
        _ => false,
    };

    /// <summary>A value flowing through the graph: its name and rank (the batch axis included).</summary>
    private readonly record struct Flow(OnnxGraphBuilder G, string Name, int Rank, int Opset)
    {
        /// <summary>Size of the last axis when a Linear layer fixed it (null when not tracked).</summary>
        public long? Features { get; init; }

        public Flow Then(string name, int? rank = null) => this with { Name = name, Rank = rank ?? Rank };
    }

    private static Flow Standardise(Flow x, InputNormalization norm, long[] itemShape)
    {
        if (norm.Mean is null || norm.Std is null || norm.Mean.Length == 0 || norm.Mean.Length != norm.Std.Length)
            throw new ArgumentException($"The model's input normalisation is malformed: {norm.Mean?.Length ?? 0} means and {norm.Std?.Length ?? 0} standard deviations.");
        long c = norm.Mean.Length;
        long[] dims = itemShape.Length switch
        {
            3 => [1, c, 1, 1],
            1 => [1, c],
            _ => throw new ArgumentException($"Input normalisation needs C×H×W images or F-vectors, but items have shape [{string.Join(", ", itemShape)}]."),
        };
        if (itemShape[0] != c)
            throw new ArgumentException($"The input normalisation has {c} values but the items have shape [{string.Join(", ", itemShape)}].");
        var mean = x.G.AddFloat("input_mean", norm.Mean, dims);
        var std = x.G.AddFloat("input_std", norm.Std, dims);
        var centred = x.G.Node("Sub", [x.Name, mean], "input_centred");
        return x.Then(x.G.Node("Div", [centred, std], "input_standardised"));
    }

    private static Flow L2Normalise(Flow x)
    {
        var g = x.G;
        string norm = x.Opset >= 18
            ? g.Node("ReduceL2", [x.Name, g.AddInt64("l2_axes", 1)], "l2_norm", OnnxGraphBuilder.Int("keepdims", 1))
            : g.Node("ReduceL2", [x.Name], "l2_norm", OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 1));
        var eps = g.AddFloat("l2_eps", [L2Epsilon], 1);
        var clamped = g.Node("Max", [norm, eps], "l2_norm_clamped");
        return x.Then(g.Node("Div", [x.Name, clamped], "l2_normalised"));
    }

    /// <summary>Appends the network; <paramref name="l2"/> tells whether the network ends with its own L2 normalisation.</summary>
    private static Flow Network(Flow x, nn.Module<Tensor, Tensor> module, out bool l2)
    {
        switch (module)
        {
            case ConvNet net:
            {
                // The forward pass of ConvNet, layer for layer.
                var children = Children(net);
                x = Conv(x, Child<Conv2d>(children, "conv1", net), "conv1");
                x = Relu(x);
                x = MaxPool(x, [2, 2], [2, 2], [0, 0], [1, 1], false);
                x = Conv(x, Child<Conv2d>(children, "conv2", net), "conv2");
                x = Relu(x);
                x = MaxPool(x, [2, 2], [2, 2], [0, 0], [1, 1], false);
                x = Flatten(x);
                x = Linear(x, Child<Linear>(children, "fc1", net), "fc1");
                x = Relu(x);
                x = Linear(x, Child<Linear>(children, "fc2", net), "fc2");
                l2 = net.Normalize;
                return x;
            }
            case Mlp net:
            {
                var children = Children(net);
                if (!children.TryGetValue("layers", out var list) || list is not ModuleList<Linear> layers)
                    throw new UnsupportedLayerException("layers", list?.GetType().Name ?? "missing", "the Mlp's layer list is not the expected ModuleList<Linear>.");
                if (x.Rank > 2) x = Flatten(x);
                for (int i = 0; i < layers.Count; i++)
                {
                    x = Linear(x, layers[i], $"layers.{i}");
                    if (i < layers.Count - 1) x = Relu(x);
                }
                l2 = net.Normalize;
                return x;
            }
            case Sequential seq:
                l2 = false;
                foreach (var (name, child) in seq.named_children()) x = Layer(x, child, name);
                return x;
            default:
                throw new UnsupportedLayerException("", module.GetType().Name,
                    "only ConvNet, Mlp and nn.Sequential networks of Conv2d, Linear, ReLU, MaxPool2d, BatchNorm1d/2d, Flatten, Dropout and Identity layers can be exported (a custom forward pass cannot be read).");
        }
    }

    private static Flow Layer(Flow x, nn.Module module, string path)
    {
        switch (module)
        {
            case Conv2d conv: return Conv(x, conv, path);
            case Linear linear: return Linear(x, linear, path);
            case ReLU: return Relu(x);
            case MaxPool2d pool:
            {
                long[] kernel = pool.kernel_size ?? throw new UnsupportedLayerException(path, nameof(MaxPool2d), "it has no kernel size.");
                return MaxPool(x, kernel, pool.stride ?? kernel, pool.padding ?? [0, 0], pool.dilation ?? [1, 1], pool.ceil_mode);
            }
            case Flatten flatten:
                if (flatten.start_dim != 1 || (flatten.end_dim != -1 && flatten.end_dim != x.Rank - 1))
                    throw new UnsupportedLayerException(path, nameof(Flatten), $"only Flatten(1, -1) maps to ONNX Flatten, got start {flatten.start_dim}, end {flatten.end_dim}.");
                return Flatten(x);
            case BatchNorm bn: return BatchNorm(x, bn, path);
            case Dropout or Dropout1d or Dropout2d or AlphaDropout or Identity: return x;
            case Sequential inner:
                foreach (var (name, child) in inner.named_children()) x = Layer(x, child, $"{path}.{name}");
                return x;
            default:
                throw new UnsupportedLayerException(path, module.GetType().Name,
                    "no ONNX mapping; supported layers are Conv2d, Linear, ReLU, MaxPool2d, BatchNorm1d/2d, Flatten(1, -1), Dropout, Identity and nested Sequential.");
        }
    }

    private static Dictionary<string, nn.Module> Children(nn.Module module) =>
        module.named_children().ToDictionary(c => c.name, c => c.module, StringComparer.Ordinal);

    private static T Child<T>(Dictionary<string, nn.Module> children, string name, nn.Module owner) where T : nn.Module =>
        children.TryGetValue(name, out var m) && m is T t
            ? t
            : throw new UnsupportedLayerException(name, m?.GetType().Name ?? "missing", $"{owner.GetType().Name} was expected to hold a {typeof(T).Name} named '{name}'.");

    private static Flow Relu(Flow x) => x.Then(x.G.Node("Relu", [x.Name]));

    private static Flow Flatten(Flow x) => x.Then(x.G.Node("Flatten", [x.Name], null, OnnxGraphBuilder.Int("axis", 1)), rank: 2) with { Features = x.Rank == 2 ? x.Features : null };

    private static Flow MaxPool(Flow x, long[] kernel, long[] stride, long[] padding, long[] dilation, bool ceil)
    {
        if (x.Rank != 4) throw new UnsupportedLayerException("", nameof(MaxPool2d), $"MaxPool2d needs N×C×H×W input, but the value has rank {x.Rank}.");
        long[] k = Pair(kernel), s = Pair(stride), p = Pair(padding), d = Pair(dilation);
        return x.Then(x.G.Node("MaxPool", [x.Name], null,
            OnnxGraphBuilder.Ints("kernel_shape", k),
            OnnxGraphBuilder.Ints("strides", s),
            OnnxGraphBuilder.Ints("pads", p[0], p[1], p[0], p[1]),
            OnnxGraphBuilder.Ints("dilations", d),
            OnnxGraphBuilder.Int("ceil_mode", ceil ? 1 : 0)));
    }

    private static long[] Pair(long[] v) => v.Length switch
    {
        1 => [v[0], v[0]],
        2 => v,
        _ => throw new ArgumentException($"Expected one or two values, got [{string.Join(", ", v)}]."),
    };

    private static Flow Conv(Flow x, Conv2d conv, string path)
    {
        if (x.Rank != 4) throw new UnsupportedLayerException(path, nameof(Conv2d), $"it needs N×C×H×W input, but the value has rank {x.Rank}.");
        if (conv.padding_mode != PaddingModes.Zeros)
            throw new UnsupportedLayerException(path, nameof(Conv2d), $"padding mode {conv.padding_mode} has no ONNX Conv equivalent (only zero padding).");
        if (conv.padding_type == Padding.Same)
            throw new UnsupportedLayerException(path, nameof(Conv2d), "padding 'same' is not exported; give explicit padding.");
        long[] p = conv.padding_type == Padding.Valid ? [0, 0] : Pair(conv.padding ?? [0, 0]);
        var w = Weights(x.G, conv.weight, $"{path}.weight");
        var inputs = new List<string> { x.Name, w };
        if (conv.bias is { } b) inputs.Add(Weights(x.G, b, $"{path}.bias"));
        return (x with { Features = null }).Then(x.G.Node("Conv", inputs.ToArray(), null,
            OnnxGraphBuilder.Ints("kernel_shape", Pair(conv.kernel_size)),
            OnnxGraphBuilder.Ints("strides", Pair(conv.stride ?? [1, 1])),
            OnnxGraphBuilder.Ints("pads", p[0], p[1], p[0], p[1]),
            OnnxGraphBuilder.Ints("dilations", Pair(conv.dilation ?? [1, 1])),
            OnnxGraphBuilder.Int("group", conv.groups)));
    }

    private static Flow Linear(Flow x, Linear linear, string path)
    {
        if (x.Rank < 2) throw new UnsupportedLayerException(path, nameof(Linear), $"it needs a batch of vectors, but the value has rank {x.Rank}.");
        if (x.Rank == 2)
        {
            var inputs = new List<string> { x.Name, Weights(x.G, linear.weight, $"{path}.weight") };
            if (linear.bias is { } b) inputs.Add(Weights(x.G, b, $"{path}.bias"));
            return x.Then(x.G.Node("Gemm", inputs.ToArray(), null, OnnxGraphBuilder.Int("transB", 1))) with { Features = linear.out_features };
        }
        // Rank above 2: y = x·Wᵀ + b on the last axis.
        using var scope = torch.NewDisposeScope();
        var wt = Weights(x.G, linear.weight!.detach().t(), $"{path}.weight_t");
        var y = x.G.Node("MatMul", [x.Name, wt]);
        if (linear.bias is { } bias) y = x.G.Node("Add", [y, Weights(x.G, bias, $"{path}.bias")]);
        return x.Then(y) with { Features = linear.out_features };
    }

    private static Flow BatchNorm(Flow x, BatchNorm bn, string path)
    {
        if (bn.running_mean is null || bn.running_var is null || !bn.track_running_stats)
            throw new UnsupportedLayerException(path, bn.GetType().Name, "it keeps no running statistics, so in inference mode it depends on the batch.");
        long c = bn.num_features;
        var g = x.G;
        string scale = bn.weight is { } w ? Weights(g, w, $"{path}.weight") : g.AddFloat($"{path}.weight", Enumerable.Repeat(1f, (int)c).ToArray(), c);
        string shift = bn.bias is { } b ? Weights(g, b, $"{path}.bias") : g.AddFloat($"{path}.bias", new float[c], c);
        return x.Then(g.Node("BatchNormalization",
            [x.Name, scale, shift, Weights(g, bn.running_mean, $"{path}.running_mean"), Weights(g, bn.running_var, $"{path}.running_var")],
            null, OnnxGraphBuilder.Float("epsilon", (float)bn.eps)));
    }

    /// <summary>Copies a tensor's values (float32, row-major, on the CPU) into an initializer.</summary>
    private static string Weights(OnnxGraphBuilder g, Tensor t, string name)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var cpu = t.detach().to_type(ScalarType.Float32).cpu().contiguous();
        var values = cpu.data<float>().ToArray();
        return g.AddFloat(name, values, cpu.shape);
    }
}
