using TripletSharp.Reporting;

namespace TripletSharp.Tests.Reporting;

/// <summary>Reads the event file back as TensorBoard does (TFRecord framing with masked CRC32C, then Event protos).</summary>
public class TensorBoardLoggerTests
{
    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        return ~crc;
    }

    private static uint Masked(ReadOnlySpan<byte> data)
    {
        uint c = Crc32C(data);
        return ((c >> 15) | (c << 17)) + 0xa282ead8u;
    }

    internal static List<Tensorboard.Event> ReadEvents(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var events = new List<Tensorboard.Event>();
        int pos = 0;
        while (pos < bytes.Length)
        {
            var header = bytes.AsSpan(pos, 8);
            long length = BitConverter.ToInt64(header);
            Assert.Equal(Masked(header), BitConverter.ToUInt32(bytes, pos + 8));
            var payload = bytes.AsSpan(pos + 12, (int)length);
            Assert.Equal(Masked(payload), BitConverter.ToUInt32(bytes, pos + 12 + (int)length));
            events.Add(Tensorboard.Event.Parser.ParseFrom(payload.ToArray()));
            pos += 12 + (int)length + 4;
        }
        return events;
    }

    [Fact]
    public void ScalarsAndHistogramsReadBackFromTheEventFile()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tripletsharp-tb-" + Guid.NewGuid().ToString("N"));
        try
        {
            var logger = new TensorBoardLogger(Path.Combine(dir, "tb"));
            var history = ReportTestData.History(4);
            foreach (var row in history) logger.LogEpoch(row);
            var first = ReportTestData.Distances(1, 0.9, 1.1, 5);
            var last = ReportTestData.Distances(4, 0.4, 1.4, 6);
            logger.LogDistances(first);
            logger.LogDistances(last);
            logger.LogScalars(4, new Dictionary<string, double> { ["precision_at_1"] = 0.75, ["nmi"] = double.NaN }, "final/");

            var files = Directory.GetFiles(logger.LogDir, "events.out.tfevents.*");
            Assert.Single(files);
            var events = ReadEvents(files[0]);
            Assert.Equal("brain.Event:2", events[0].FileVersion);
            // TensorBoard reads wall time as seconds since 1970.
            double now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            Assert.All(events.Skip(1), e => Assert.InRange(e.WallTime, now - 3600, now + 3600));
            var scalars = events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Select(v => (e.Step, v))).Where(t => t.v.Histo is null)
                .Select(t => (t.Step, t.v.Tag, t.v.SimpleValue)).ToList();
            var expected = history.SelectMany(r => r.Values.Where(kv => double.IsFinite(kv.Value)).Select(kv => ((long)r.Epoch, kv.Key, (float)kv.Value))).ToList();
            expected.Add((4, "final/precision_at_1", 0.75f));
            Assert.Equal(expected, scalars);

            var histos = events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Where(v => v.Histo is not null).Select(v => (e.Step, v.Tag, v.Histo))).ToList();
            Assert.Equal(new[] { (1L, TensorBoardLogger.AnchorPositiveTag), (1L, TensorBoardLogger.AnchorNegativeTag), (4L, TensorBoardLogger.AnchorPositiveTag), (4L, TensorBoardLogger.AnchorNegativeTag) },
                histos.Select(h => (h.Step, h.Tag)).ToArray());
            foreach (var (step, tag, histo) in histos)
            {
                var source = step == 1 ? first : last;
                var values = (tag == TensorBoardLogger.AnchorPositiveTag ? source.AnchorPositive : source.AnchorNegative).Where(float.IsFinite).Select(v => (double)v).ToArray();
                Assert.Equal(values.Length, histo.Num);
                Assert.Equal(values.Min(), histo.Min, 5);
                Assert.Equal(values.Max(), histo.Max, 5);
                Assert.Equal(values.Sum(), histo.Sum, 2);
                Assert.Equal(values.Sum(v => v * v), histo.SumSquares, 1);
                Assert.Equal(values.Length, histo.Bucket.Sum(), 6);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ArgumentsAreChecked()
    {
        Assert.Throws<ArgumentNullException>(() => new TensorBoardLogger(null!));
        Assert.Throws<ArgumentException>(() => new TensorBoardLogger(" "));
    }
}
