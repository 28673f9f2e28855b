using System.Text.Json.Nodes;
using TorchSharp;
using TripletSharp.Cli;
using TripletSharp.Data;
using TripletSharp.Training;

namespace TripletSharp.Tests.MultiLabel;

/// <summary>
/// What a run records and prints about multi-label data (<see cref="DataSummary"/>, <see cref="LabelCounts"/>, the
/// <c>data:</c> line) against a plain count, and the data fingerprint: every label of a multi-label item is hashed, and
/// single-label data hashes exactly as it did before (old runs still resume).
/// </summary>
public class MultiLabelSummaryTests
{
    private static Dataset Vectors(long[] labels, string[] classes, long[][]? sets = null) =>
        new(torch.arange(labels.Length * 3, torch.ScalarType.Float32).reshape(labels.Length, 3), labels, classes, DataKind.Vectors, labelSets: sets);

    [Fact]
    public void SingleLabelFingerprint_IsByteIdenticalToBefore_AndRecordsNoLabelCounts()
    {
        using var train = Vectors([0, 1, 0, 2, 1], ["a", "b", "c"]);
        using var test = Vectors([2, 0], ["a", "b", "c"]);
        // The values written by the code before every label of multi-label items was hashed (the same SHA-256 computed
        // independently: "5/2/3/Vectors\n", the class names a line each, then the train and test labels as int64).
        var summary = DataSummary.Of(train, test, "x.csv", DataFormat.Csv);
        Assert.Equal("3ac316b816afbe73140083bcea2cbd97", summary.Fingerprint);
        Assert.Equal("ae36415bf446026900f5ec9638285362", DataSummary.Of(train, null, "", DataFormat.Auto).Fingerprint);
        // Nothing new is recorded or printed for single-label data.
        Assert.Null(summary.Labels);
        var config = JsonNode.Parse(new RunConfig { DataSummary = summary }.ToJson())!["data_summary"]!.AsObject();
        Assert.False(config.ContainsKey("labels"));
        using var split = new DatasetSplit(Vectors([0, 1, 0, 2, 1], ["a", "b", "c"]), Vectors([2, 0], ["a", "b", "c"]), "x.csv", DataFormat.Csv);
        Assert.Equal("x.csv (csv): 5 train + 2 test items, 3 classes, vectors of 3 features", OptionBinding.Describe(split));
    }

    [Fact]
    public void MultiLabelFingerprint_HashesEveryLabel_NotOnlyTheFirst()
    {
        long[] first = [0, 1, 2, 1];
        string[] classes = ["a", "b", "c"];
        string Fingerprint(long[][] trainSets, long[][]? testSets = null)
        {
            using var train = Vectors(first, classes, trainSets);
            using var test = Vectors([0, 2], classes, testSets ?? [[0], [2]]);
            return DataSummary.Of(train, test, "", DataFormat.Csv).Fingerprint;
        }
        var baseline = Fingerprint([[0, 1], [1], [2, 0, 1], [1, 2]]);
        // Only the second label of item 0 differs: the first (sampling) labels, counts and classes are the same.
        var other = Fingerprint([[0, 2], [1], [2, 0, 1], [1, 2]]);
        Assert.NotEqual(baseline, other);
        // The test split's label sets count too.
        Assert.NotEqual(baseline, Fingerprint([[0, 1], [1], [2, 0, 1], [1, 2]], [[0, 1], [2]]));
        // The order after the first label means nothing (the sets are compared as sets), nor does a repeat.
        Assert.Equal(baseline, Fingerprint([[0, 1], [1], [2, 1, 0], [1, 2, 2]]));
        // Multi-label data differs from the same items as single-label data.
        using (var single = Vectors(first, classes))
        using (var singleTest = Vectors([0, 2], classes))
            Assert.NotEqual(baseline, DataSummary.Of(single, singleTest, "", DataFormat.Csv).Fingerprint);

        // A resume on such data is refused in words: the labels differ.
        using var a = Vectors(first, classes, [[0, 1], [1], [2, 0, 1], [1, 2]]);
        using var b = Vectors(first, classes, [[0, 2], [1], [2, 0, 1], [1, 2]]);
        var sa = DataSummary.Of(a, null, "", DataFormat.Csv);
        var sb = DataSummary.Of(b, null, "", DataFormat.Csv);
        Assert.Equal(sa.ContentFingerprint, sb.ContentFingerprint);
        Assert.StartsWith("labels: the same classes and counts, but items carry other labels", DataSummary.Differences(sa, sb));
        // A config written before label sets were hashed (no label counts recorded) says why the fingerprint moved.
        Assert.Contains("did not record", DataSummary.Differences(sa with { Labels = null, Fingerprint = "old" }, sa));
    }

    [Fact]
    public void LabelCounts_MatchAPlainCount_AndAreRecordedAndPrinted()
    {
        var rng = new Random(5);
        const int items = 40, classCount = 6;
        string[] classes = Enumerable.Range(0, classCount).Select(c => $"tag{c}").ToArray();
        var sets = new long[items][];
        for (int i = 0; i < items; i++)
        {
            // One to four labels, repeats allowed inside a cell (they count once), some items with a single label.
            sets[i] = Enumerable.Range(0, 1 + rng.Next(4)).Select(_ => (long)rng.Next(classCount)).ToArray();
        }
        var labels = sets.Select(s => s[0]).ToArray();

        // The plain count: an item counts once for every distinct label it carries.
        var perLabel = new int[classCount];
        int multi = 0, total = 0;
        foreach (var s in sets)
        {
            var distinct = new HashSet<long>(s);
            foreach (var l in distinct) perLabel[l]++;
            if (distinct.Count > 1) multi++;
            total += distinct.Count;
        }
        Assert.InRange(multi, 1, items - 1);

        using var train = Vectors(labels, classes, sets);
        using var test = Vectors([0, 1], classes, [[0, 1], [1]]);
        var counts = DataSummary.Of(train, test, "tags.csv", DataFormat.Csv).Labels!;
        Assert.Equal(items, counts.ItemCount);
        Assert.Equal(perLabel, counts.ItemsPerLabel);
        Assert.Equal(multi, counts.MultiLabelItems);
        Assert.Equal((double)total / items, counts.MeanLabelsPerItem, 12);

        // config.json records them (training split only).
        var config = JsonNode.Parse(new RunConfig { DataSummary = DataSummary.Of(train, test, "tags.csv", DataFormat.Csv) }.ToJson())!["data_summary"]!["labels"]!;
        Assert.Equal(perLabel, config["items_per_label"]!.AsArray().Select(v => (int)v!).ToArray());
        Assert.Equal(multi, (int)config["multi_label_items"]!);

        // The printed line: items with several labels, the mean, and the labels most frequent first.
        var line = counts.Describe(classes, listed: 3);
        Assert.StartsWith(FormattableString.Invariant($"multi-label: {multi} of {items} items carry more than one label, {(double)total / items:0.00} labels per item on average; items per label: "), line);
        int top = Enumerable.Range(0, classCount).OrderByDescending(c => perLabel[c]).ThenBy(c => c).First();
        Assert.Contains($"items per label: tag{top} {perLabel[top]}, ", line);
        Assert.EndsWith($"… ({classCount - 3} more labels)", line);

        // `triplet train`'s data line adds them for multi-label data.
        using var split = new DatasetSplit(Vectors(labels, classes, sets), Vectors([0, 1], classes, [[0, 1], [1]]), "tags.csv", DataFormat.Csv);
        Assert.Equal($"tags.csv (csv): 40 train + 2 test items, 6 classes, vectors of 3 features; training split {counts.Describe(classes)}", OptionBinding.Describe(split));
    }
}
