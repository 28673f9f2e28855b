using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>
/// MAP@R from streamed nearest-neighbour blocks (query = gallery), as PML's AccuracyCalculator defines it:
/// the neighbour list includes the query itself, which is dropped by index; R = class count − 1; lone queries
/// are skipped; AP@R = (1/R)·Σ_{i≤R} P@i·rel(i). Used to check the evaluator's value.
/// </summary>
internal sealed class MapAtR
{
    private readonly Tensor _labels;
    private readonly Tensor _relevantCount;
    private double _sum;
    private long _queries;

    public MapAtR(long[] labels)
    {
        _labels = tensor(labels);
        var counts = labels.GroupBy(l => l).ToDictionary(g => g.Key, g => (long)g.Count());
        _relevantCount = tensor(labels.Select(l => counts[l] - 1).ToArray());
    }

    public double Value => _queries == 0 ? double.NaN : _sum / _queries;

    /// <summary>Adds queries [start, start + b) given their b×k neighbour indices (nearest first, self included or not).</summary>
    public void Add(long start, Tensor neighbours)
    {
        using var scope = NewDisposeScope();
        long b = neighbours.shape[0];
        var queries = arange(start, start + b, dtype: ScalarType.Int64);
        var notSelf = neighbours.ne(queries.unsqueeze(1));
        var rank = notSelf.to_type(ScalarType.Int64).cumsum(1);
        var r = _relevantCount.index_select(0, queries).unsqueeze(1);
        var sameClass = _labels.index_select(0, neighbours.reshape(-1)).reshape(neighbours.shape)
            .eq(_labels.index_select(0, queries).unsqueeze(1));
        var relevant = sameClass.logical_and(notSelf).logical_and(rank.le(r));
        var hits = relevant.to_type(ScalarType.Float64).cumsum(1);
        var precision = hits / rank.to_type(ScalarType.Float64).clamp_min(1);
        var ap = (precision * relevant.to_type(ScalarType.Float64)).sum(1) / r.squeeze(1).to_type(ScalarType.Float64).clamp_min(1);
        var counted = r.squeeze(1).gt(0);
        _sum += ap.masked_select(counted).sum().item<double>();
        _queries += counted.sum().item<long>();
    }
}
