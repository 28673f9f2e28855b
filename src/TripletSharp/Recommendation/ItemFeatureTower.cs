using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Engine;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Recommendation;

/// <summary>
/// The trained item tower of a <see cref="CmlModel"/>: an <see cref="Mlp"/> (Linear+ReLU per hidden layer, then
/// Linear to the embedding dimension, not normalised) from an item's encoded features to its vector, which is then
/// clipped into the unit ball as every CML vector is. Saved as <c>tower.f32</c>: the MLP's parameters in
/// <c>parameters()</c> order (weight then bias of each layer), row-major little-endian float32.
/// </summary>
public sealed class ItemFeatureTower
{
    /// <summary>Creates the tower from its weights (kept, not copied).</summary>
    /// <param name="schema">The feature layout the tower reads.</param>
    /// <param name="hiddenSizes">Hidden layer widths.</param>
    /// <param name="dimension">Output dimension (the model's).</param>
    /// <param name="weights">The MLP's parameters, flattened in <c>parameters()</c> order.</param>
    public ItemFeatureTower(ItemFeaturesSchema schema, IReadOnlyList<int> hiddenSizes, int dimension, float[] weights)
    {
        Guard.NotNull(schema, nameof(schema));
        Guard.NotNull(hiddenSizes, nameof(hiddenSizes));
        Guard.NotNull(weights, nameof(weights));
        Guard.Positive(dimension, nameof(dimension));
        schema.Validate();
        if (hiddenSizes.Any(h => h <= 0)) throw new ArgumentException($"'{nameof(hiddenSizes)}' must be > 0.", nameof(hiddenSizes));
        long expected = WeightCount(schema.Width, hiddenSizes, dimension);
        if (weights.Length != expected) throw new ArgumentException($"'{nameof(weights)}' must hold {expected} values for a {schema.Width}→{string.Join("→", hiddenSizes)}→{dimension} MLP, got {weights.Length}.", nameof(weights));
        Schema = schema;
        HiddenSizes = hiddenSizes.ToArray();
        Dimension = dimension;
        Weights = weights;
    }

    /// <summary>The feature layout the tower reads.</summary>
    public ItemFeaturesSchema Schema { get; }

    /// <summary>Hidden layer widths.</summary>
    public IReadOnlyList<int> HiddenSizes { get; }

    /// <summary>Output dimension.</summary>
    public int Dimension { get; }

    /// <summary>The MLP's parameters, flattened.</summary>
    public float[] Weights { get; }

    /// <summary>Number of parameters of a <paramref name="width"/>→hidden→<paramref name="dimension"/> MLP.</summary>
    public static long WeightCount(int width, IReadOnlyList<int> hiddenSizes, int dimension)
    {
        long total = 0, previous = width;
        foreach (long h in hiddenSizes.Append(dimension))
        {
            total += previous * h + h;
            previous = h;
        }
        return total;
    }

    /// <summary>The vectors of <paramref name="rows"/> encoded feature rows (rows×width, row-major): the MLP's outputs clipped into the unit ball (rows×dimension).</summary>
    public float[] Embed(float[] features, int rows)
    {
        Guard.NotNull(features, nameof(features));
        if (features.Length != (long)rows * Schema.Width) throw new ArgumentException($"'{nameof(features)}' must hold {rows}×{Schema.Width} values.", nameof(features));
        if (rows == 0) return [];
        NativeLibraries.EnsureLoaded();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var mlp = CreateModule();
        var x = tensor(features, new long[] { rows, Schema.Width });
        return ClipToUnitBall(mlp.forward(x)).contiguous().data<float>().ToArray();
    }

    /// <summary>The MLP with these weights (the caller disposes it).</summary>
    internal Mlp CreateModule()
    {
        var mlp = new Mlp(Schema.Width, HiddenSizes, Dimension, normalize: false);
        CopyInto(mlp, Weights);
        return mlp;
    }

    /// <summary>Sets <paramref name="mlp"/>'s parameters to <paramref name="weights"/> (flattened in <c>parameters()</c> order, as <see cref="WeightsOf"/> gives them).</summary>
    internal static void CopyInto(Mlp mlp, float[] weights)
    {
        using var noGrad = no_grad();
        long at = 0;
        foreach (var p in mlp.parameters())
        {
            long n = p.numel();
            using var values = tensor(weights.AsSpan((int)at, (int)n).ToArray(), p.shape);
            p.copy_(values);
            at += n;
        }
    }

    /// <summary>A new MLP with weights drawn from <paramref name="random"/> (uniform ±1/√fan-in, PyTorch's default range), so that a seed fixes them.</summary>
    internal static Mlp CreateModule(int width, IReadOnlyList<int> hiddenSizes, int dimension, Random random)
    {
        var mlp = new Mlp(width, hiddenSizes, dimension, normalize: false);
        using var noGrad = no_grad();
        long fanIn = width;
        foreach (var p in mlp.parameters())
        {
            if (p.dim() == 2) fanIn = p.shape[1]; // a layer's weight, then its bias with the same fan-in
            double bound = 1.0 / Math.Sqrt(fanIn);
            var values = new float[p.numel()];
            for (long i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * bound);
            using var t = tensor(values, p.shape);
            p.copy_(t);
        }
        return mlp;
    }

    /// <summary>The MLP's parameters flattened in <c>parameters()</c> order.</summary>
    internal static float[] WeightsOf(Mlp mlp) =>
        mlp.parameters().SelectMany(p => p.detach().contiguous().data<float>().ToArray()).ToArray();

    /// <summary>Rows longer than 1 scaled onto the unit sphere (differentiable; CML's constraint ‖·‖ ≤ 1).</summary>
    internal static Tensor ClipToUnitBall(Tensor rows) =>
        rows.div(rows.mul(rows).sum(1, keepdim: true).sqrt().clamp_min(Scalars.One));
}
