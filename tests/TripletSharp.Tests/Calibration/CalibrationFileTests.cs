using TripletSharp.Distances;
using TripletSharp.Evaluation;
using TripletSharp.Tests.Data;

namespace TripletSharp.Tests.Calibration;

public class CalibrationFileTests
{
    private static CalibrationResult Sample() => ThresholdCalibrator.Calibrate([0.1, 0.2, 0.2, 0.5, 0.9, 1.3], [true, true, false, true, false, false],
        CalibrationTarget.Precision(0.6), CalibrationMode.Verification, new EuclideanDistance()) with { ModelFingerprint = "abc" };

    [Fact]
    public void WriteRead_RoundTripsEveryFigure()
    {
        using var dir = new TempDir();
        var r = Sample();
        CalibrationFile.Write(dir.File("calibration.json"), r);
        var back = CalibrationFile.Read(dir.File("calibration.json"));
        Assert.Equal(r with { Curve = [] }, back with { Curve = [] });
        Assert.Equal(r.Curve, back.Curve);
        Assert.Contains("\"format\": \"tripletsharp-calibration\"", File.ReadAllText(dir.File("calibration.json")));
        CalibrationFile.Write(dir.File("small.json"), r, includeCurve: false);
        Assert.Empty(CalibrationFile.Read(dir.File("small.json")).Curve);
        Assert.Equal(r.Threshold, CalibrationFile.Read(dir.File("small.json")).Threshold);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("-0.5")]
    public void NaNOrNegativeThreshold_IsRefused(string threshold)
    {
        using var dir = new TempDir();
        var path = dir.File("calibration.json");
        CalibrationFile.Write(path, Sample());
        var text = System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(path), "\"threshold\": [^,]+,", $"\"threshold\": {(threshold == "NaN" ? "\"NaN\"" : threshold)},");
        File.WriteAllText(path, text);
        var e = Assert.Throws<CalibrationException>(() => CalibrationFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => CalibrationFile.Write(dir.File("x.json"), Sample() with { Threshold = double.Parse(threshold, System.Globalization.CultureInfo.InvariantCulture) }));
    }

    [Fact]
    public void MissingOrForeignFile_IsATypedError()
    {
        using var dir = new TempDir();
        Assert.Contains("calibrate", Assert.Throws<CalibrationException>(() => CalibrationFile.Read(dir.File("none.json"))).Message);
        File.WriteAllText(dir.File("other.json"), "{\"format\": \"something\"}");
        Assert.Throws<CalibrationException>(() => CalibrationFile.Read(dir.File("other.json")));
        File.WriteAllText(dir.File("bad.json"), "[1, 2");
        Assert.Throws<CalibrationException>(() => CalibrationFile.Read(dir.File("bad.json")));
    }
}

public class CalibrationForIndexTests
{
    [Fact]
    public void ReadFor_FindsTheIndexCalibration_AndRefusesAnotherModelOrMeasure()
    {
        using var dir = new TempDir();
        var (x, labels, classes, ids) = TripletSharp.Tests.Index.IndexTestData.Clustered(30, 4, 3, seed: 40);
        using (var built = TripletSharp.Search.EmbeddingIndex.Build(x, labels, classes, ids, new EuclideanDistance(), "model-a"))
            built.Save(dir.File("idx"));
        using var index = TripletSharp.Search.EmbeddingIndex.Open(dir.File("idx"));
        Assert.Contains("no calibration", Assert.Throws<CalibrationException>(() => CalibrationFile.ReadFor(index)).Message);
        var r = ThresholdCalibrator.Calibrate([0.1, 0.2, 0.9], [true, false, false], CalibrationTarget.Far(0.5), CalibrationMode.Verification, new EuclideanDistance());
        CalibrationFile.Write(dir.File("idx", "calibration.json"), r with { ModelFingerprint = "model-a" });
        Assert.Equal(r.Threshold, CalibrationFile.ReadFor(index).Threshold);
        CalibrationFile.Write(dir.File("idx", "calibration.json"), r with { ModelFingerprint = "model-b" });
        var other = Assert.Throws<CalibrationException>(() => CalibrationFile.ReadFor(index));
        Assert.Contains("model-a", other.Message);
        Assert.Contains("model-b", other.Message);
        CalibrationFile.Write(dir.File("cal.json"), r with { Measure = "cosine" });
        Assert.Contains("cosine", Assert.Throws<CalibrationException>(() => CalibrationFile.ReadFor(index, dir.File("cal.json"))).Message);
    }
}
