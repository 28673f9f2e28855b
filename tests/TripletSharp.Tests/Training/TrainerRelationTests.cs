using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Mining;
using TripletSharp.Models;
using TripletSharp.Sampling;
using TripletSharp.Training;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Training;

/// <summary>Issue 12 §2: a user's similarity rule (<see cref="Trainer.Relation"/>) decides what is positive in training and in the test metrics.</summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class TrainerRelationTests
{
    /// <summary>Records the match matrix of every batch, and mines every valid triplet of it with a plain loop.</summary>
    private sealed class RecordingMiner() : BaseMiner(null)
    {
        public List<bool[,]> Matrices { get; } = [];

        public override string Name => "recording";

        protected override MiningResult MineCore(Tensor distances, Tensor labels)
        {
            Assert.Equal(ScalarType.Bool, labels.dtype);
            int b = (int)labels.shape[0];
            var flat = labels.cpu().data<bool>().ToArray();
            var m = new bool[b, b];
            var (a, p, n) = (new List<long>(), new List<long>(), new List<long>());
            for (int i = 0; i < b; i++)
                for (int j = 0; j < b; j++)
                    m[i, j] = flat[i * b + j];
            for (int i = 0; i < b; i++)
                for (int j = 0; j < b; j++)
                    for (int k = 0; k < b; k++)
                        if (i != j && m[i, j] && !m[i, k])
                        {
                            a.Add(i);
                            p.Add(j);
                            n.Add(k);
                        }
            Matrices.Add(m);
            var indices = new TripletIndices(tensor(a.ToArray()), tensor(p.ToArray()), tensor(n.ToArray()));
            return MiningResult.FromIndices(indices, Distance, new MiningStats(a.Count, 1, double.NaN, double.NaN));
        }
    }

    private static TrainerOptions Small(int epochs) => new()
    {
        Epochs = epochs, ClassesPerBatch = 4, SamplesPerClass = 3, BatchesPerEpoch = 3, Model = ModelKind.Mlp, HiddenSizes = [8],
        EmbeddingDim = 4, Threads = 1, Seed = 7, LearningRate = 1e-2,
    };

    [Fact]
    public void ACustomPredicate_IsWhatThePositivesOfEveryBatchAndTheTestMetricsAre()
    {
        using var data = SyntheticData.Clusters(classes: 4, trainPerClass: 12, testPerClass: 6);
        // The rule: classes 0 and 1 are one group, 2 and 3 another (so items of two different classes are positives).
        static ItemRelation Pairs(Dataset d) => ItemRelation.FromPredicate((i, j) => d.Labels[i] / 2 == d.Labels[j] / 2);
        var miner = new RecordingMiner();
        using var result = new Trainer(miner: miner, options: Small(epochs: 2)) { Relation = Pairs }.Fit(data);

        // Plain loop: the batches the sampler draws for this seed, and the rule applied to each pair of their items.
        var batches = Enumerable.Range(0, 2).SelectMany(e => new ClassBalancedSampler(data.Train.Labels, 4, 3, seed: 7, batchesPerEpoch: 3).GetEpoch(e)).ToList();
        Assert.Equal(batches.Count, miner.Matrices.Count);
        bool differsFromLabels = false;
        for (int t = 0; t < batches.Count; t++)
        {
            var items = batches[t];
            for (int a = 0; a < items.Length; a++)
                for (int b = 0; b < items.Length; b++)
                {
                    long la = data.Train.Labels[items[a]], lb = data.Train.Labels[items[b]];
                    Assert.Equal(a == b || la / 2 == lb / 2, miner.Matrices[t][a, b]);
                    differsFromLabels |= miner.Matrices[t][a, b] != (la == lb);
                }
        }
        Assert.True(differsFromLabels, "the rule should make items of other classes positives");

        // The test metrics are those of the rule on the test split's embeddings (relevant = a positive of the query).
        using var embeddings = result.Model!.Embed(data.Test);
        var expected = new RetrievalEvaluator(result.Model.CreateDistance(), knnK: 5, seed: 0).Evaluate(embeddings, Pairs(data.Test));
        var best = result.BestMetrics!;
        Assert.Equal("custom", best.Labels);
        Assert.Equal(expected.PrecisionAt1, best.PrecisionAt1, 12);
        Assert.Equal(expected.MapAtR, best.MapAtR, 12);
        Assert.Equal(expected.RPrecision, best.RPrecision, 12);
        Assert.NotEqual(new RetrievalEvaluator(result.Model.CreateDistance(), knnK: 5, seed: 0).Evaluate(embeddings, data.Test.Labels).MapAtR, best.MapAtR);
    }

    [Fact]
    public void ARelation_WithTuplesOrACrossBatchMemory_IsRefusedByName()
    {
        using var data = SyntheticData.Clusters();
        static ItemRelation Any(Dataset d) => ItemRelation.SharedLabel(d.Labels.Select(l => new[] { l }).ToArray());
        var e = Assert.Throws<ArgumentException>(() => new Trainer(Small(1) with { MemorySize = 16 }) { Relation = Any }.Resolve(data));
        Assert.Equal(nameof(TrainerOptions.MemorySize), e.ParamName);
        var tuples = new TupleBatchSampler([0], [1], [2], data.Train.Count, 12, 7, 1);
        e = Assert.Throws<ArgumentException>(() => new Trainer(Small(1)) { Relation = Any, Tuples = tuples }.Resolve(data));
        Assert.Equal(nameof(Trainer.Relation), e.ParamName);
    }
}
