using System.Text.Json;
using TorchSharp;
using TripletSharp.Data;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Data;

public class InputNormalizationTests
{
    [Fact]
    public void ImageStatisticsPerChannelMatchADoubleLoop()
    {
        const int n = 7, c = 3, h = 4, w = 5;
        var rng = new Random(11);
        var data = new float[n * c * h * w];
        for (int i = 0; i < data.Length; i++) data[i] = (float)Math.Round(rng.NextDouble(), 2); // ties included
        for (int i = 0; i < n * h * w; i++) data[(i / (h * w)) * c * h * w + 2 * h * w + i % (h * w)] = 0.5f; // channel 2 constant
        using var ds = new Dataset(tensor(data, new long[] { n, c, h, w }), new long[n], new[] { "a" }, DataKind.Images);
        var norm = InputNormalization.Compute(ds);

        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0, sq = 0;
            int count = 0;
            for (int i = 0; i < n; i++)
            for (int p = 0; p < h * w; p++)
            {
                double v = data[i * c * h * w + ch * h * w + p];
                sum += v;
                count++;
            }
            double mean = sum / count;
            for (int i = 0; i < n; i++)
            for (int p = 0; p < h * w; p++)
            {
                double d = data[i * c * h * w + ch * h * w + p] - mean;
                sq += d * d;
            }
            double std = Math.Sqrt(sq / count);
            Assert.Equal(mean, norm.Mean[ch], 5);
            Assert.Equal(std < InputNormalization.MinStd ? 1.0 : std, norm.Std[ch], 5);
        }
        Assert.Equal(1f, norm.Std[2]);

        using var scope = NewDisposeScope();
        var applied = norm.Apply(ds.Features).data<float>().ToArray();
        for (int i = 0; i < data.Length; i++)
        {
            int ch = i / (h * w) % c;
            Assert.Equal((data[i] - norm.Mean[ch]) / norm.Std[ch], applied[i], 5);
        }
    }

    [Fact]
    public void VectorStatisticsPerFeatureMatchADoubleLoop()
    {
        const int n = 9, f = 4;
        var rng = new Random(12);
        var data = new float[n * f];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 1000 - 300);
        for (int i = 0; i < n; i++) data[i * f + 1] = -2f; // constant feature
        using var ds = new Dataset(tensor(data, new long[] { n, f }), new long[n], new[] { "a" }, DataKind.Vectors);
        var norm = InputNormalization.Compute(ds);
        for (int j = 0; j < f; j++)
        {
            double mean = Enumerable.Range(0, n).Average(i => (double)data[i * f + j]);
            double std = Math.Sqrt(Enumerable.Range(0, n).Average(i => Math.Pow(data[i * f + j] - mean, 2)));
            Assert.Equal(mean, norm.Mean[j], 2);
            Assert.Equal(std < InputNormalization.MinStd ? 1.0 : std, norm.Std[j], 2);
        }
        Assert.Equal(1f, norm.Std[1]);

        using var scope = NewDisposeScope();
        var one = norm.Apply(tensor(new float[] { 1, 2, 3, 4 })).data<float>().ToArray();
        for (int j = 0; j < f; j++) Assert.Equal((j + 1 - norm.Mean[j]) / norm.Std[j], one[j], 4);
    }

    [Fact]
    public void ApplyKeepsDeviceAndDtypeAndRejectsOtherShapes()
    {
        var norm = new InputNormalization(new[] { 0.5f }, new[] { 0.25f });
        using var scope = NewDisposeScope();
        var x = full(new long[] { 2, 1, 3, 3 }, 1.0, ScalarType.Float64);
        var y = norm.Apply(x);
        Assert.Equal(ScalarType.Float64, y.dtype);
        Assert.Equal(x.device_type, y.device_type);
        Assert.All(y.data<double>().ToArray(), v => Assert.Equal(2.0, v, 10));
        var e = Assert.Throws<ArgumentException>(() => norm.Apply(zeros(2, 3, 3, 3)));
        Assert.Contains("3 channels", e.Message);
        Assert.Throws<ArgumentException>(() => norm.Apply(zeros(2, 2)));
        Assert.Throws<ArgumentException>(() => norm.Apply(zeros(new long[] { 2, 1, 3, 3 }, ScalarType.Int32)));
    }

    [Fact]
    public void ApplyLeaksNoTensors()
    {
        var norm = new InputNormalization(new[] { 0.1f, 0.2f }, new[] { 2f, 3f });
        using var x = rand(3, 2);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var y = norm.Apply(x)) { }
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void RoundTripsThroughJson()
    {
        var norm = new InputNormalization(new[] { 0.286f, -1e-7f }, new[] { 0.353f, 1f });
        var json = JsonSerializer.Serialize(norm);
        var back = JsonSerializer.Deserialize<InputNormalization>(json)!;
        Assert.Equal(norm.Mean, back.Mean);
        Assert.Equal(norm.Std, back.Std);
    }
}
