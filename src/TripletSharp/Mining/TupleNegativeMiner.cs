using TorchSharp;
using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>
/// Triplets for a batch of explicit tuples: every tuple's own (anchor, positive, negative), plus negatives mined among
/// the batch's rows (<see cref="TupleNegatives"/>) for each anchor–positive link taken both ways, because fixed
/// triplets alone learn slowly. No class labels: a row is a candidate negative of an anchor when its item is outside
/// the anchor's group (the connected component of the training tuples' positive links), so no known positive, direct
/// or through a chain of positives, is ever pushed away.
/// </summary>
public sealed class TupleNegativeMiner
{
    /// <summary>Creates the miner.</summary>
    /// <param name="negatives">Which extra negatives to mine.</param>
    /// <param name="margin">The semi-hard band's width (the loss's margin).</param>
    /// <param name="distance">The measure (Euclidean when null); a similarity counts as its negation.</param>
    public TupleNegativeMiner(TupleNegatives negatives, double margin, BaseDistance? distance = null)
    {
        Guard.NonNegative(margin, nameof(margin));
        Negatives = negatives;
        Margin = margin;
        Distance = distance ?? new EuclideanDistance();
    }

    /// <summary>Which extra negatives are mined.</summary>
    public TupleNegatives Negatives { get; }

    /// <summary>The semi-hard band's width.</summary>
    public double Margin { get; }

    /// <summary>The measure.</summary>
    public BaseDistance Distance { get; }

    /// <summary>The triplets (batch rows) of one tuple batch.</summary>
    /// <param name="embeddings">B×D embeddings of the batch rows.</param>
    /// <param name="anchors">Row of every tuple's anchor.</param>
    /// <param name="positives">Row of every tuple's positive.</param>
    /// <param name="negatives">Row of every tuple's negative, −1 for none.</param>
    /// <param name="groups">Group of every row; rows of the anchor's group are never its mined negatives.</param>
    /// <exception cref="ArgumentException">Bad embeddings, arrays of different lengths, or a row outside the batch.</exception>
    public MiningResult Mine(Tensor embeddings, IReadOnlyList<int> anchors, IReadOnlyList<int> positives, IReadOnlyList<int> negatives, IReadOnlyList<int> groups)
    {
        Guard.Embeddings(embeddings);
        Guard.NotNull(anchors, nameof(anchors));
        Guard.NotNull(positives, nameof(positives));
        Guard.NotNull(negatives, nameof(negatives));
        Guard.NotNull(groups, nameof(groups));
        int b = (int)embeddings.shape[0];
        if (positives.Count != anchors.Count || negatives.Count != anchors.Count)
            throw new ArgumentException($"The tuple arrays differ in length ({anchors.Count}, {positives.Count}, {negatives.Count}).", nameof(positives));
        if (groups.Count != b) throw new ArgumentException($"'{nameof(groups)}' has {groups.Count} entries but the batch has {b} rows.", nameof(groups));
        for (int t = 0; t < anchors.Count; t++)
        {
            if (anchors[t] < 0 || anchors[t] >= b || positives[t] < 0 || positives[t] >= b || negatives[t] < -1 || negatives[t] >= b)
                throw new ArgumentException($"Tuple {t} ({anchors[t]}, {positives[t]}, {negatives[t]}) names a row outside [0, {b}).", nameof(anchors));
        }
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var matrix = Distance.Matrix(embeddings.detach());
        // Distance-like values on the host: smaller is closer for every measure.
        var v = Distance.ToDistanceLike(matrix).to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        List<long> ta = new(), tp = new(), tn = new();
        for (int t = 0; t < anchors.Count; t++)
        {
            int a = anchors[t], p = positives[t], n = negatives[t];
            if (n >= 0) Add(a, p, n);
            if (Negatives == TupleNegatives.None) continue;
            MineFor(a, p, n);
            MineFor(p, a, -1);
        }
        void Add(int a, int p, int n)
        {
            ta.Add(a);
            tp.Add(p);
            tn.Add(n);
        }
        void MineFor(int a, int p, int own)
        {
            double dap = v[(long)a * b + p];
            int best = -1;
            for (int x = 0; x < b; x++)
            {
                if (x == own || groups[x] == groups[a]) continue;
                double dax = v[(long)a * b + x];
                if (Negatives == TupleNegatives.Hardest)
                {
                    if (best < 0 || dax < v[(long)a * b + best]) best = x;
                }
                else if (dax > dap && dax < dap + Margin) Add(a, p, x);
            }
            if (best >= 0) Add(a, p, best);
        }
        var device = embeddings.device;
        var indices = new TripletIndices(
            torch.tensor(ta.ToArray(), ScalarType.Int64, device: device),
            torch.tensor(tp.ToArray(), ScalarType.Int64, device: device),
            torch.tensor(tn.ToArray(), ScalarType.Int64, device: device));
        var stats = MiningStats.FromIndices(matrix, indices);
        indices.MoveToOuterDisposeScope();
        return MiningResult.FromIndices(indices, Distance, stats);
    }
}
