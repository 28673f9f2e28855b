using TripletSharp.Data;

// Writes a class-balanced, seeded sample of an IDX dataset (Fashion-MNIST by default) as IDX .gz files:
//   dotnet run -c Release --project tools/make-sample -- [SOURCE] [OUT] [TRAIN_COUNT] [TEST_COUNT]
// Defaults: /usr/share/datasets/fashion-mnist  data/fashion-mnist-sample  10000  2000.
// Items are chosen with DatasetSplitter.BalancedSlice (train seed 0, test seed 1) and keep their original order.
var source = args.Length > 0 ? args[0] : "/usr/share/datasets/fashion-mnist";
var output = args.Length > 1 ? args[1] : "data/fashion-mnist-sample";
int trainCount = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
int testCount = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 2_000;

Directory.CreateDirectory(output);
foreach (var (part, count, seed) in new[] { ("train", trainCount, 0), ("t10k", testCount, 1) })
{
    var images = IdxReader.ReadImages(Path.Combine(source, $"{part}-images-idx3-ubyte.gz"));
    var labels = IdxReader.ReadLabels(Path.Combine(source, $"{part}-labels-idx1-ubyte.gz"));
    var chosen = DatasetSplitter.BalancedSlice(labels.Select(l => (long)l).ToArray(), count, seed);
    int size = images.Rows * images.Cols;
    var pixels = new byte[chosen.Length * size];
    var sampleLabels = new byte[chosen.Length];
    for (int i = 0; i < chosen.Length; i++)
    {
        images.Image(chosen[i]).CopyTo(pixels.AsSpan(i * size, size));
        sampleLabels[i] = labels[chosen[i]];
    }
    IdxWriter.WriteImages(Path.Combine(output, $"{part}-images-idx3-ubyte.gz"), new IdxImages(pixels, chosen.Length, images.Rows, images.Cols));
    IdxWriter.WriteLabels(Path.Combine(output, $"{part}-labels-idx1-ubyte.gz"), sampleLabels);
    var perClass = string.Join(" ", sampleLabels.GroupBy(l => l).OrderBy(g => g.Key).Select(g => $"{g.Key}:{g.Count()}"));
    Console.WriteLine($"{part}: {chosen.Length} of {images.Count} images ({perClass})");
}
File.WriteAllLines(Path.Combine(output, "classes.txt"), FashionMnist.ClassNames);
Console.WriteLine($"wrote {Path.GetFullPath(output)}");
