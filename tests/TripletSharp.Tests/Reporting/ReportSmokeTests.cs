using TripletSharp.Reporting;

namespace TripletSharp.Tests.Reporting;

public class ReportSmokeTests
{
    [Fact]
    public void WritesDemo()
    {
        var (x, labels) = ReportTestData.Blobs(60, 6, 1);
        x = ReportTestData.ToFloatPrecision(x);
        using var images = ReportTestData.Images(labels, 3, 16, 2);
        var data = ReportTestData.Build(x, labels, 6, images);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        HtmlReportWriter.Write("/tmp/report-eng/demo.html", data, new ReportOptions { Tsne = new TsneOptions { Iterations = 300, ExaggerationIterations = 100 } });
        Console.WriteLine($"took {sw.Elapsed}");
    }
}
