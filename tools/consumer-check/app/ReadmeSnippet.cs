// The README's "Library" snippet, kept as close to the README as possible so that it is easy to update when the
// README changes. Two deliberate differences, both marked "check:": a short run (one epoch on a slice of the sample)
// unless CONSUMER_CHECK_FULL=1, and the P@1 it returns.
using TripletSharp.Data;
using TripletSharp.Losses;
using TripletSharp.Mining;
using TripletSharp.Models;
using TripletSharp.Training;

static class ReadmeSnippet
{
    public static double Run(string runDirectory, bool full)
    {
        var dataOptions = new DataOptions();                       // null Path: the bundled sample
        if (!full) dataOptions = dataOptions with { MaxTrainItems = 1280, MaxTestItems = 400 };   // check: a slice
        using var data = DatasetLoader.Load(dataOptions);
        var trainer = new Trainer(loss: new TripletMarginLoss(margin: 0.2), miner: new SemiHardMiner(margin: 0.2),
            options: new TrainerOptions { Epochs = full ? 12 : 1, OutputDirectory = runDirectory });   // check: 1 epoch
        trainer.BatchCompleted += (_, p) => { /* p.Epoch, p.Batch, p.EpochLoss, p.BatchesPerSecond: draw your own progress */ };
        trainer.EpochCompleted += (_, e) => { /* e.Record (history row), e.TestEmbeddings, e.TestDistances() */ };
        using var result = trainer.Fit(data, dataOptions);         // a CancellationToken stops it with a checkpoint

        using var embeddings = result.Model!.Embed(data.Test);      // N×64, L2-normalised, by the best epoch's model
        using var saved = ModelBundle.Load(Path.Combine(runDirectory, "model"));   // the same model from its folder
        if (embeddings.shape[0] != data.Test.Count || embeddings.shape[1] != 64)   // check: the embeddings' shape
            throw new InvalidOperationException($"embeddings {string.Join('×', embeddings.shape)}, expected {data.Test.Count}×64");
        using var again = saved.Embed(data.Test);                                   // check: the folder holds that model
        if (!again.equal(embeddings).all().item<bool>())
            throw new InvalidOperationException("the saved model embeds differently from the returned one");
        return result.BestMetrics?.PrecisionAt1 ?? throw new InvalidOperationException("no metrics after training");
    }
}
