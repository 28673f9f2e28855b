using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace TripletSharp.Export;

/// <summary>Appends nodes and constant tensors to an ONNX graph with unique, readable names.</summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private int counter;

    public OnnxGraphBuilder(string graphName) => Graph = new GraphProto { Name = graphName };

    public GraphProto Graph { get; }

    /// <summary>Declares a float32 graph input or output whose first axis is the symbolic batch dimension.</summary>
    public static ValueInfoProto FloatValue(string name, string batchParam, IEnumerable<long> fixedDims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batchParam });
        foreach (var d in fixedDims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    /// <summary>A name not used yet, built from <paramref name="hint"/>.</summary>
    public string Unique(string hint)
    {
        var name = hint;
        while (!names.Add(name)) name = $"{hint}_{++counter}";
        return name;
    }

    /// <summary>Adds a float32 initializer (raw little-endian data) and returns its name.</summary>
    public string AddFloat(string hint, ReadOnlySpan<float> values, params long[] dims)
    {
        long count = dims.Aggregate(1L, (a, b) => a * b);
        if (count != values.Length)
            throw new InvalidOperationException($"Initializer '{hint}': {values.Length} values for shape [{string.Join(", ", dims)}].");
        var t = new TensorProto { Name = Unique(hint), DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = BitConverter.IsLittleEndian
            ? ByteString.CopyFrom(MemoryMarshal.AsBytes(values))
            : throw new PlatformNotSupportedException("ONNX export needs a little-endian machine.");
        Graph.Initializer.Add(t);
        return t.Name;
    }

    /// <summary>Adds a 1-D int64 initializer (axes, shapes) and returns its name.</summary>
    public string AddInt64(string hint, params long[] values)
    {
        var t = new TensorProto { Name = Unique(hint), DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        Graph.Initializer.Add(t);
        return t.Name;
    }

    /// <summary>Adds a node with one output (named <paramref name="output"/>, or made unique from the op type) and returns the output name.</summary>
    public string Node(string opType, string[] inputs, string? output = null, params AttributeProto[] attributes)
    {
        var outName = output is null ? Unique(opType.ToLowerInvariant()) : Reserve(output);
        var node = new NodeProto { OpType = opType, Name = Unique($"{opType}_node") };
        node.Input.AddRange(inputs);
        node.Output.Add(outName);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return outName;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private string Reserve(string name)
    {
        if (!names.Add(name)) throw new InvalidOperationException($"ONNX value name '{name}' is used twice.");
        return name;
    }
}
