using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Distances;
using TripletSharp.Losses;
using TripletSharp.Mining;
using TripletSharp.Sampling;
using TripletSharp.Training;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Tuples;

/// <summary>
/// The tuple sampler, the tuple miner against a plain double loop, and the trainer's tuple path, which must not read
/// class labels.
/// </summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class TupleTrainingTests
{
    [Fact]
    public void Sampler_IsSeeded_FitsTheRowBudget_AndGroupsFollowPositiveChains()
    {
        // Positive chain 0–1–2 (one group) and 3–4; 5, 6 only as negatives.
        int[] a = [0, 1, 3, 3], p = [1, 2, 4, 4], n = [5, -1, 6, 0];
        var sampler = new TupleBatchSampler(a, p, n, itemCount: 7, batchRows: 7, seed: 1, batchesPerEpoch: 5);
        var one = sampler.GetEpoch(2).ToList();
        var again = sampler.GetEpoch(2).ToList();
        Assert.Equal(5, one.Count);
        for (int b = 0; b < one.Count; b++)
        {
            var batch = one[b];
            Assert.Equal(batch.Items, again[b].Items);
            Assert.InRange(batch.Items.Length, 2, 7);
            for (int t = 0; t < batch.Anchors.Length; t++)
            {
                int ia = batch.Items[batch.Anchors[t]], ip = batch.Items[batch.Positives[t]];
                int ineg = batch.Negatives[t] < 0 ? -1 : batch.Items[batch.Negatives[t]];
                Assert.Contains(Enumerable.Range(0, a.Length), k => a[k] == ia && p[k] == ip && n[k] == ineg);
                Assert.Equal(batch.RowLabels[batch.Anchors[t]], batch.RowLabels[batch.Positives[t]]);
                Assert.Equal(1, batch.RowLabels.Count(l => l == batch.RowLabels[batch.Anchors[t]]) / 2);
            }
            for (int r = 0; r < batch.Items.Length; r++)
            {
                int expected = batch.Items[r] is 0 or 1 or 2 ? 0 : batch.Items[r] is 3 or 4 ? 1 : 2 + batch.Items[r];
                for (int s = 0; s < batch.Items.Length; s++)
                {
                    int other = batch.Items[s] is 0 or 1 or 2 ? 0 : batch.Items[s] is 3 or 4 ? 1 : 2 + batch.Items[s];
                    Assert.Equal(expected == other, batch.Groups[r] == batch.Groups[s]);
                }
            }
        }
        Assert.NotEqual(one.SelectMany(x => x.Items), sampler.GetEpoch(3).SelectMany(x => x.Items));
        // Default: one pass over the tuples' rows (3 + 2 + 3 + 3 = 11) in batches of at most 4 rows.
        Assert.Equal(2, new TupleBatchSampler(a, p, n, 7, 4).BatchesPerEpoch);
    }

    [Theory]
    [InlineData(TupleNegatives.None)]
    [InlineData(TupleNegatives.Hardest)]
    [InlineData(TupleNegatives.SemiHard)]
    public void Miner_MatchesAPlainDoubleLoop(TupleNegatives mode)
    {
        const double margin = 0.25;
        // Integer coordinates in {0,1,2}: exact float distances with many ties; no d_ap + margin lies near another distance.
        var rng = new Random(7);
        int b = 24, dim = 3;
        var x = new float[b * dim];
        for (int i = 0; i < x.Length; i++) x[i] = rng.Next(3);
        var groups = Enumerable.Range(0, b).Select(_ => rng.Next(5)).ToArray();
        var anchors = new List<int>();
        var positives = new List<int>();
        var negatives = new List<int>();
        for (int i = 0; i < b; i++)
        for (int j = i + 1; j < b && anchors.Count < 8; j++)
        {
            if (groups[i] != groups[j] || anchors.Contains(i)) continue;
            anchors.Add(i);
            positives.Add(j);
            int neg = Enumerable.Range(0, b).FirstOrDefault(k => groups[k] != groups[i], -1);
            negatives.Add(anchors.Count % 2 == 0 ? neg : -1);
        }
        Assert.True(anchors.Count >= 4);

        double D(int i, int j) => Math.Sqrt(Enumerable.Range(0, dim).Sum(k => Math.Pow(x[i * dim + k] - x[j * dim + k], 2)));
        var expected = new List<(long, long, long)>();
        for (int t = 0; t < anchors.Count; t++)
        {
            int an = anchors[t], po = positives[t], ne = negatives[t];
            if (ne >= 0) expected.Add((an, po, ne));
            if (mode == TupleNegatives.None) continue;
            foreach (var (u, v, own) in new[] { (an, po, ne), (po, an, -1) })
            {
                int best = -1;
                for (int c = 0; c < b; c++)
                {
                    if (c == own || groups[c] == groups[u]) continue;
                    if (mode == TupleNegatives.Hardest) { if (best < 0 || D(u, c) < D(u, best)) best = c; }
                    else if (D(u, c) > D(u, v) && D(u, c) < D(u, v) + margin) expected.Add((u, v, c));
                }
                if (best >= 0) expected.Add((u, v, best));
            }
        }

        using var scope = NewDisposeScope();
        var emb = tensor(x, [b, dim]);
        using var mined = new TupleNegativeMiner(mode, margin, new EuclideanDistance()).Mine(emb, anchors, positives, negatives, groups);
        var got = Enumerable.Range(0, (int)mined.Indices!.Count).Select(i => (mined.Indices.Anchors[i].item<long>(), mined.Indices.Positives[i].item<long>(), mined.Indices.Negatives[i].item<long>())).ToList();
        Assert.Equal(expected, got);
        if (mode == TupleNegatives.SemiHard) Assert.True(got.Count > expected.Count(e => negatives.Contains((int)e.Item3)));
    }

    [Fact]
    public void Trainer_TupleMode_NeverReadsClassLabels()
    {
        using var split = Training.SyntheticData.Clusters(classes: 4, trainPerClass: 12, testPerClass: 4, dim: 6);
        var train = split.Train;
        // Triplets from the true classes; the trainer then gets the same items with labels scrambled.
        var rng = new Random(3);
        var a = new List<int>(); var p = new List<int>(); var n = new List<int>();
        for (int i = 0; i < train.Count; i++)
        {
            var same = Enumerable.Range(0, train.Count).Where(j => j != i && train.Labels[j] == train.Labels[i]).ToArray();
            var other = Enumerable.Range(0, train.Count).Where(j => train.Labels[j] != train.Labels[i]).ToArray();
            a.Add(i); p.Add(same[rng.Next(same.Length)]); n.Add(other[rng.Next(other.Length)]);
        }
        double[] Fit(long[] labels)
        {
            using var items = new Dataset(train.Features.clone(), labels, train.ClassNames, train.Kind, train.ItemNames);
            var options = new TrainerOptions { Epochs = 2, Model = TripletSharp.Models.ModelKind.Mlp, HiddenSizes = [16], EmbeddingDim = 4, Seed = 2, Threads = 1 };
            var trainer = new Trainer(options)
            {
                Tuples = new TupleBatchSampler(a.ToArray(), p.ToArray(), n.ToArray(), items.Count, batchRows: 18, seed: 2),
                TupleMiner = new TupleNegativeMiner(TupleNegatives.SemiHard, 0.2, new EuclideanDistance()),
            };
            var result = trainer.Fit(items);
            using var model = result.Model!;
            using var scope = NewDisposeScope();
            return result.History.Select(h => h.Loss).Concat(model.Embed(items).flatten().data<float>().ToArray().Select(v => (double)v)).ToArray();
        }
        var straight = Fit(train.Labels);
        var scrambled = Fit(train.Labels.Select((l, i) => (long)((l * 7 + i) % 4)).ToArray());
        Assert.Equal(straight, scrambled);
        Assert.True(straight[0] > 0);
    }
}
