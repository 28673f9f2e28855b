using System.Text.Json.Nodes;
using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Export;

/// <summary>A slice of the bundled Fashion-MNIST sample (train for the standardisation, test to embed), read once, and model builders.</summary>
public sealed class ExportFixture : IDisposable
{
    public const int TestItems = 300;

    public ExportFixture()
    {
        Data = new DataOptions { MaxTrainItems = 500, MaxTestItems = TestItems, Seed = 1 };
        Split = DatasetLoader.Load(Data);
        ImageNorm = InputNormalization.Compute(Split.Train);
        using var trainVectors = new Dataset(Split.Train.Features.reshape(Split.Train.Count, 784), Split.Train.Labels, Split.Train.ClassNames, DataKind.Vectors);
        VectorNorm = InputNormalization.Compute(trainVectors);
        TestImages = Split.Test.Features.contiguous().data<float>().ToArray();
    }

    public DataOptions Data { get; }

    public DatasetSplit Split { get; }

    public InputNormalization ImageNorm { get; }

    public InputNormalization VectorNorm { get; }

    /// <summary>The test images, N×1×28×28 row-major (also N vectors of 784 features).</summary>
    public float[] TestImages { get; }

    public int Count => Split.Test.Count;

    /// <summary>The test split as a tensor of the model's input shape (images, or vectors of 784 features).</summary>
    public Tensor TestTensor(ModelBundle bundle) =>
        bundle.Input.Kind == DataKind.Images ? Split.Test.Features : Split.Test.Features.reshape(Count, 784);

    /// <summary>A seeded model over the sample; <paramref name="trainSteps"/> Adam steps move the weights off their initialisation.</summary>
    public ModelBundle NewBundle(ModelKind kind, DataKind inputKind, bool normalize = true, int[]? hidden = null, bool standardise = true, int trainSteps = 0, int seed = 7)
    {
        torch.manual_seed(seed);
        long[] shape = inputKind == DataKind.Images ? [1, 28, 28] : [784];
        var arch = new ModelArchitecture { Kind = kind, InputShape = shape, EmbeddingDim = 16, HiddenSizes = hidden ?? [], Normalize = normalize };
        var input = new ModelInput
        {
            Kind = inputKind,
            ItemShape = shape,
            Normalization = standardise ? (inputKind == DataKind.Images ? ImageNorm : VectorNorm) : null,
            Data = Data.Copy(),
        };
        var bundle = new ModelBundle(arch.Create(), arch, input, FashionMnist.ClassNames,
            new JsonObject { ["options"] = new JsonObject { ["distance"] = "cosine" } });
        if (trainSteps > 0) Train(bundle, trainSteps);
        return bundle;
    }

    /// <summary>A few Adam steps pulling each training item's embedding towards a random code for its class.</summary>
    private void Train(ModelBundle bundle, int steps)
    {
        using var scope = torch.NewDisposeScope();
        var module = bundle.Module;
        module.train();
        var x = Split.Train.Features.narrow(0, 0, 128);
        if (bundle.Input.Kind == DataKind.Vectors) x = x.reshape(128, 784);
        x = bundle.Input.Normalization!.Apply(x);
        var codes = torch.randn(10, bundle.EmbeddingDim);
        var target = codes.index(torch.tensor(Split.Train.Labels.Take(128).ToArray()));
        using var optimizer = torch.optim.Adam(module.parameters(), lr: 1e-2);
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            using var loss = nn.functional.mse_loss(module.forward(x), target);
            loss.backward();
            optimizer.step();
        }
        module.eval();
    }

    public void Dispose() => Split.Dispose();
}
