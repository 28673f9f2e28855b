// A PyTorch-Metric-Learning-style loop with the user's own model and optimiser: miner.Mine -> loss.Compute -> step.
using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Losses;
using TripletSharp.Mining;
using TripletSharp.Models;
using static TorchSharp.torch;

static class PmlLoop
{
    public static IReadOnlyList<double> Run(int steps)
    {
        torch.random.manual_seed(0);
        using var data = DatasetLoader.Load(new DataOptions { MaxTrainItems = 512, MaxTestItems = 100 });
        using var model = new ConvNet(channels: 1, height: 28, width: 28, embeddingDim: 32);
        using var optimizer = torch.optim.Adam(model.parameters(), lr: 1e-3);
        var miner = new SemiHardMiner(margin: 0.2);
        var loss = new TripletMarginLoss(margin: 0.2);

        // One fixed batch of 8 classes x 16 images, so the loss over the steps shows the optimiser at work.
        var batch = Enumerable.Range(0, data.Train.Count)
            .GroupBy(i => data.Train.Labels[i]).Take(8).SelectMany(g => g.Take(16)).ToArray();
        using var images = data.Train.Features.index_select(0, tensor(batch.Select(i => (long)i).ToArray()));
        using var labels = tensor(batch.Select(i => data.Train.Labels[i]).ToArray());

        var losses = new List<double>();
        for (int step = 0; step < steps; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var embeddings = model.forward(images);
            using var mined = miner.Mine(embeddings, labels);
            var value = loss.Compute(embeddings, labels, mined);
            value.backward();
            optimizer.step();
            losses.Add(value.item<float>());
            Console.WriteLine($"pml step {step + 1}/{steps}: loss {losses[^1]:F4}");
        }
        return losses;
    }
}
