using TorchSharp;
using TripletSharp.Data;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Training;

/// <summary>Small seeded Gaussian-cluster datasets (vectors) for fast trainer tests.</summary>
internal static class SyntheticData
{
    public static DatasetSplit Clusters(int classes = 4, int trainPerClass = 24, int testPerClass = 8, int dim = 8, double spread = 0.6, int seed = 5)
    {
        var gen = new Random(seed);
        var centres = Enumerable.Range(0, classes).Select(_ => Enumerable.Range(0, dim).Select(_ => gen.NextDouble() * 4 - 2).ToArray()).ToArray();
        Dataset Make(int perClass, string split)
        {
            int n = classes * perClass;
            var x = new float[n * dim];
            var labels = new long[n];
            var names = new string[n];
            for (int i = 0; i < n; i++)
            {
                int c = i % classes;
                labels[i] = c;
                names[i] = $"{split}/{i:D4}";
                for (int j = 0; j < dim; j++)
                {
                    double g = Math.Sqrt(-2 * Math.Log(1 - gen.NextDouble())) * Math.Cos(2 * Math.PI * gen.NextDouble());
                    x[i * dim + j] = (float)(centres[c][j] + spread * g);
                }
            }
            return new Dataset(torch.tensor(x, [n, dim]), labels, Enumerable.Range(0, classes).Select(c => $"class{c}").ToArray(), DataKind.Vectors, names);
        }
        return new DatasetSplit(Make(trainPerClass, "train"), Make(testPerClass, "test"), "synthetic", DataFormat.Csv);
    }
}
