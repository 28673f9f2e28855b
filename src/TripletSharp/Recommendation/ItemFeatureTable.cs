using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Recommendation;

/// <summary>
/// The item side of <see cref="CmlTrainer"/> when items have features: item i's vector is
/// clip(tower(x_i) + e_i), the tower an <see cref="Mlp"/> over the encoded features and e_i an id embedding (zeros at
/// the start; left out with <see cref="ItemTowerOptions.IdEmbeddings"/> false). In training each row drops its id
/// embedding with probability <see cref="ItemTowerOptions.IdDropout"/>; the trainer draws which (<see cref="DrawKeep"/>,
/// from its seeded <see cref="Random"/>, never depending on the weights, so a resumed run replays the draws), so that
/// the tower alone must place items, as it will for new ones.
/// </summary>
internal sealed class ItemFeatureTable : IDisposable
{
    private readonly Mlp _tower;
    private readonly Tensor _features;
    private readonly TorchSharp.Modules.Parameter? _ids;
    private readonly double _dropout;
    private readonly ItemFeaturesSchema _schema;
    private readonly int[] _hidden;
    private readonly int _dimension;

    /// <summary>The table of <paramref name="itemIds"/>; the tower's initial weights are drawn from <paramref name="random"/>.</summary>
    public ItemFeatureTable(ItemFeatures features, IReadOnlyList<string> itemIds, int dimension, ItemTowerOptions options, Random random)
    {
        _schema = features.Schema;
        _hidden = options.HiddenSizes.ToArray();
        _dimension = dimension;
        _dropout = options.IdDropout;
        _features = tensor(features.Align(itemIds, out int missing), new long[] { itemIds.Count, features.Width });
        Missing = missing;
        _tower = ItemFeatureTower.CreateModule(features.Width, _hidden, _dimension, random);
        if (options.IdEmbeddings) _ids = new TorchSharp.Modules.Parameter(zeros(itemIds.Count, _dimension));
    }

    /// <summary>Items of the interactions that the features file does not list (they get the "no features" input).</summary>
    public int Missing { get; }

    /// <summary>The trainable tensors: the tower's, then the id embeddings.</summary>
    public IEnumerable<TorchSharp.Modules.Parameter> Parameters => _ids is null ? _tower.parameters() : _tower.parameters().Append(_ids);

    /// <summary>
    /// Which of <paramref name="count"/> training rows keep their id embedding (1) or drop it (0), drawn from
    /// <paramref name="random"/>: one draw per row; none (null) without id embeddings.
    /// </summary>
    public float[]? DrawKeep(Random random, int count)
    {
        if (_ids is null) return null;
        var keep = new float[count];
        for (int x = 0; x < keep.Length; x++) keep[x] = random.NextDouble() >= _dropout ? 1f : 0f;
        return keep;
    }

    /// <summary>Training vectors of the items <paramref name="index"/>, each row's id embedding kept or dropped as <paramref name="keep"/> says (<see cref="DrawKeep"/>).</summary>
    public Tensor Rows(long[] index, float[]? keep)
    {
        var at = tensor(index);
        var v = _tower.forward(_features.index_select(0, at));
        if (_ids is not null && keep is not null)
            v = v.add(_ids.index_select(0, at).mul(tensor(keep).unsqueeze(1)), Scalars.One);
        return ItemFeatureTower.ClipToUnitBall(v);
    }

    /// <summary>The final vector of every item (id embeddings kept), row-major.</summary>
    public float[] Vectors()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var v = _tower.forward(_features);
        if (_ids is not null) v = v.add(_ids, Scalars.One);
        return ItemFeatureTower.ClipToUnitBall(v).contiguous().data<float>().ToArray();
    }

    /// <summary>The tower's weights, flattened in <c>parameters()</c> order (what <see cref="Restore"/> reads).</summary>
    public float[] TowerWeights() => ItemFeatureTower.WeightsOf(_tower);

    /// <summary>The id embeddings, |items|×dimension row-major; empty without them.</summary>
    public float[] IdVectors() => _ids is null ? [] : _ids.detach().contiguous().data<float>().ToArray();

    /// <summary>Sets the tower's weights and the id embeddings to saved ones (<see cref="TowerWeights"/>, <see cref="IdVectors"/>), exactly.</summary>
    /// <exception cref="ArgumentException">The arrays do not fit this table.</exception>
    public void Restore(float[] towerWeights, float[] idVectors)
    {
        long expected = ItemFeatureTower.WeightCount(_schema.Width, _hidden, _dimension);
        if (towerWeights.Length != expected)
            throw new ArgumentException($"the tower to restore holds {towerWeights.Length} weights; a {_schema.Width}→{string.Join("→", _hidden)}→{_dimension} MLP has {expected}.", nameof(towerWeights));
        long ids = _ids is null ? 0 : _ids.numel();
        if (idVectors.Length != ids)
            throw new ArgumentException($"the id embeddings to restore hold {idVectors.Length} values; this table has {ids}.", nameof(idVectors));
        using var noGrad = no_grad();
        ItemFeatureTower.CopyInto(_tower, towerWeights);
        if (_ids is not null)
        {
            using var values = tensor(idVectors, _ids.shape);
            _ids.copy_(values);
        }
    }

    /// <summary>The tower as saved with the model.</summary>
    public ItemFeatureTower Saved() => new(_schema, _hidden, _dimension, TowerWeights());

    public void Dispose()
    {
        _tower.Dispose();
        _features.Dispose();
        _ids?.Dispose();
    }
}
