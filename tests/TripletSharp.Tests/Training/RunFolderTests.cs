using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Models;
using TripletSharp.Tests.Models;
using TripletSharp.Training;

namespace TripletSharp.Tests.Training;

/// <summary>Every file of a run folder reads back what was written, byte for byte in today's formats.</summary>
public class RunFolderTests
{
    // Two rows and metrics.json of a real `triplet train` run (defaults, before RunFolder existed), plus a row with
    // no evaluation, NMI off and a floor time: the formats must stay readable and be written back identically.
    private const string History =
        "epoch,loss,active_fraction,triplets_per_batch,precision_at_1,r_precision,map_at_r,recall_at_1,recall_at_2,recall_at_4,recall_at_8,nmi,knn_accuracy,learning_rate,train_seconds,eval_seconds,seconds,floor_seconds\n" +
        "1,0.09518401152812518,1,13637.615384615385,0.791,0.705030150753768,0.6166863878727495,0.791,0.875,0.9245,0.955,0.7465928493603281,0.8255,0.0009833945423704667,4.941,1.105,6.046,\n" +
        "2,0.09273818536446644,0.9999982830790574,7467.153846153846,0.811,0.740251256281406,0.6601787743111232,0.811,0.8855,0.93,0.958,0.7335305584509344,0.843,0.0009338493618822746,3.326,1.2,4.526,\n" +
        "3,0.5,0.25,10,,,,,,,,,,2.8163566366257164E-09,0.001,0.001,0.001,0.75\n" +
        "4,0.5,0.25,10,0.5,0.5,0.5,0.5,0.5,0.5,0.5,,0.5,0.001,1,2,3,\n";

    private const string Metrics =
        "{\n  \"precision_at_1\": 0.855,\n  \"r_precision\": 0.7972989949748723,\n  \"map_at_r\": 0.7443863873235034,\n  \"recall_at_1\": 0.855,\n" +
        "  \"recall_at_2\": 0.9145,\n  \"recall_at_4\": 0.9395,\n  \"recall_at_8\": 0.9615,\n  \"nmi\": 0.766266107235031,\n  \"knn_accuracy\": 0.8805\n}\n";

    [Fact]
    public void History_ReadsTodaysFormat_AndWritesItBackIdentically()
    {
        using var dir = new TestFolder();
        var run = new RunFolder(dir.Path);
        Assert.Empty(run.ReadHistory());
        File.WriteAllText(run.HistoryPath, History);

        var rows = run.ReadHistory();
        Assert.Equal([1, 2, 3, 4], rows.Select(r => r.Epoch));
        Assert.Equal(0.09518401152812518, rows[0].Loss);
        Assert.Equal(0.7465928493603281, rows[0].Metrics!.Nmi);
        Assert.Equal(0.6601787743111232, rows[1].Metrics!.MapAtR);
        Assert.Equal(6.046, rows[0].Seconds);
        Assert.Null(rows[0].FloorSeconds);
        Assert.Null(rows[2].Metrics);
        Assert.Equal(0.75, rows[2].FloorSeconds);
        Assert.Equal(0.001, rows[2].Seconds); // as written (the sum of unrounded times), not 0.001 + 0.001
        Assert.True(double.IsNaN(rows[3].Metrics!.Nmi));

        run.WriteHistory(rows);
        Assert.Equal(History, File.ReadAllText(run.HistoryPath));
    }

    [Fact]
    public void Metrics_ReadTodaysFormat_AndWriteItBackIdentically_WithNaNAsNull()
    {
        using var dir = new TestFolder();
        var run = new RunFolder(dir.Path);
        Assert.Null(run.ReadMetrics());
        File.WriteAllText(run.MetricsPath, Metrics);
        var m = run.ReadMetrics()!;
        Assert.Equal(new RetrievalMetrics(0.855, 0.7972989949748723, 0.7443863873235034, 0.855, 0.9145, 0.9395, 0.9615, 0.766266107235031, 0.8805, 0), m);
        run.WriteMetrics(m with { QueryCount = 2000 });
        Assert.Equal(Metrics, File.ReadAllText(run.MetricsPath));

        run.WriteMetrics(m with { Nmi = double.NaN });
        Assert.Contains("\"nmi\": null", File.ReadAllText(run.MetricsPath));
        Assert.True(double.IsNaN(run.ReadMetrics()!.Nmi));

        File.WriteAllText(run.MetricsPath, "{\"nmi\": \"high\"}");
        var e = Assert.Throws<ModelFormatException>(() => run.ReadMetrics());
        Assert.Contains("metrics.json", e.Message);
        Assert.Contains("nmi", e.Message);
    }

    [Fact]
    public void ConfigAndDistances_RoundTrip()
    {
        using var dir = new TestFolder();
        var run = new RunFolder(dir["new"]);
        Assert.Null(run.TryReadConfig());
        var config = new RunConfig
        {
            Trainer = new TrainerOptions { Epochs = 3, Miner = "batch-hard", HiddenSizes = [7], OutputDirectory = run.Directory },
            Data = new DataOptions { Path = "x.csv", ImageSize = 12 },
            DataSummary = new DataSummary { Source = "x.csv", TrainCount = 5, ClassNames = ["a"], ItemShape = [3] },
            Version = "1.2.3",
        };
        run.WriteConfig(config);
        var back = run.ReadConfig();
        Assert.Equal(config.ToJson(), back.ToJson());
        Assert.Equal("batch-hard", back.Trainer.Miner);

        Assert.Null(run.ReadDistances(1));
        var d = new EpochDistances(7, [0.5f, 1e-8f, 3.25f], [float.Epsilon, 2f]);
        run.WriteDistances(d);
        Assert.Equal(run.DistancesPath(7), Path.Combine(run.Directory, "distances-epoch7.json"));
        var dBack = run.ReadDistances(7)!;
        Assert.Equal(d.Epoch, dBack.Epoch);
        Assert.Equal(d.AnchorPositive, dBack.AnchorPositive);
        Assert.Equal(d.AnchorNegative, dBack.AnchorNegative);
        File.WriteAllText(run.DistancesPath(8), "{\"epoch\": 8, \"d_ap\": [1,");
        Assert.Null(run.ReadDistances(8)); // a damaged side file only costs a histogram
        Assert.Equal(Path.Combine(run.Directory, "report.html"), run.ReportPath);
    }

    [Fact]
    public void Model_RoundTrips_WithTypedTrainingInformation()
    {
        using var dir = new TestFolder();
        var run = new RunFolder(dir.Path);
        TorchSharp.torch.manual_seed(0);
        var arch = new ModelArchitecture { Kind = ModelKind.Mlp, InputShape = [3], EmbeddingDim = 2, HiddenSizes = [4] };
        var metrics = RetrievalMetrics.FromJson(Metrics);
        var training = new System.Text.Json.Nodes.JsonObject
        {
            ["options"] = new System.Text.Json.Nodes.JsonObject { ["distance"] = "cosine" },
            ["best_epoch"] = 4,
            ["metrics"] = metrics.ToJsonNode(),
        };
        using (var bundle = new ModelBundle(arch.Create(), arch, new ModelInput { Kind = DataKind.Vectors, ItemShape = [3] }, ["x", "y"], training))
            run.WriteModel(bundle);
        using var loaded = run.ReadModel();
        Assert.Equal(new ModelTrainingInfo { Distance = "cosine", BestEpoch = 4, Metrics = metrics }, loaded.TrainingInfo);
        Assert.Equal("cosine", loaded.DistanceName);
        Assert.IsType<TripletSharp.Distances.CosineDistance>(loaded.CreateDistance());
    }
}
