using System.Globalization;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Reporting;

/// <summary>
/// Writes the TensorBoard Embedding Projector files for <c>triplet embed --projector DIR</c>: <c>vectors.tsv</c>,
/// <c>metadata.tsv</c> (label, class, id), <c>sprite.png</c> for image data, and <c>projector_config.pbtxt</c>
/// that ties them together. Every file is written atomically.
/// </summary>
public static class ProjectorExporter
{
    /// <summary>File name of the vectors.</summary>
    public const string VectorsFile = "vectors.tsv";

    /// <summary>File name of the metadata.</summary>
    public const string MetadataFile = "metadata.tsv";

    /// <summary>File name of the sprite sheet.</summary>
    public const string SpriteFile = "sprite.png";

    /// <summary>File name of the projector configuration.</summary>
    public const string ConfigFile = "projector_config.pbtxt";

    /// <summary>Writes the projector files into <paramref name="dir"/>.</summary>
    /// <param name="dir">Output folder (created when missing).</param>
    /// <param name="embeddings">N×D embeddings.</param>
    /// <param name="labels">Class index of every row.</param>
    /// <param name="classNames">Name of every class.</param>
    /// <param name="thumbnails">N×C×H×W images in [0, 1] (C = 1 or 3) for the sprite; null for vector data.</param>
    /// <param name="itemIds">Id of every row; the row number when null.</param>
    /// <param name="maxThumbnail">Largest sprite cell side in pixels (cells shrink further to keep the sheet within 8192 px).</param>
    public static void Write(string dir, Tensor embeddings, long[] labels, IReadOnlyList<string> classNames, Tensor? thumbnails = null, IReadOnlyList<string>? itemIds = null, int maxThumbnail = 32)
    {
        Guard.NotNull(dir, nameof(dir));
        if (string.IsNullOrWhiteSpace(dir)) throw new ArgumentException($"'{nameof(dir)}' must not be empty.", nameof(dir));
        Guard.Embeddings(embeddings, nameof(embeddings));
        Guard.NotNull(labels, nameof(labels));
        Guard.NotNull(classNames, nameof(classNames));
        Guard.Positive(maxThumbnail, nameof(maxThumbnail));
        long n = embeddings.shape[0];
        if (labels.Length != n) throw new ArgumentException($"'{nameof(labels)}' has {labels.Length} entries but the embeddings have {n} rows.", nameof(labels));
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] < 0 || labels[i] >= classNames.Count)
                throw new ArgumentException($"'{nameof(labels)}'[{i}] = {labels[i]} is not a class index in [0, {classNames.Count}).", nameof(labels));
        if (itemIds is not null && itemIds.Count != n) throw new ArgumentException($"'{nameof(itemIds)}' has {itemIds.Count} entries but the embeddings have {n} rows.", nameof(itemIds));
        if (thumbnails is not null && (thumbnails.dim() != 4 || thumbnails.shape[0] != n || (thumbnails.shape[1] != 1 && thumbnails.shape[1] != 3)))
            throw new ArgumentException($"'{nameof(thumbnails)}' must be N×C×H×W with N = {n} and C = 1 or 3, got shape [{string.Join(", ", thumbnails.shape)}].", nameof(thumbnails));
        Directory.CreateDirectory(dir);

        using (var scope = torch.NewDisposeScope())
        {
            var values = embeddings.detach().to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            int d = (int)embeddings.shape[1];
            AtomicFile.Write(Path.Combine(dir, VectorsFile), stream =>
            {
                using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
                var line = new StringBuilder();
                for (long i = 0; i < n; i++)
                {
                    line.Clear();
                    for (int j = 0; j < d; j++)
                    {
                        if (j > 0) line.Append('\t');
                        line.Append(values[i * d + j].ToString("R", CultureInfo.InvariantCulture));
                    }
                    w.WriteLine(line);
                }
            });
        }

        var meta = new StringBuilder("label\tclass\tid\n");
        for (int i = 0; i < n; i++)
            meta.Append(labels[i].ToString(CultureInfo.InvariantCulture)).Append('\t').Append(Cell(classNames[(int)labels[i]])).Append('\t')
                .Append(Cell(itemIds?[i] ?? i.ToString(CultureInfo.InvariantCulture))).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(dir, MetadataFile), meta.ToString());

        var config = new StringBuilder();
        config.Append("embeddings {\n  tensor_name: \"embeddings\"\n  tensor_path: \"").Append(VectorsFile).Append("\"\n  metadata_path: \"").Append(MetadataFile).Append("\"\n");
        if (thumbnails is not null)
        {
            var (png, ch, cw) = Thumbnails.Sprite(thumbnails, maxThumbnail);
            AtomicFile.WriteAllBytes(Path.Combine(dir, SpriteFile), png);
            config.Append("  sprite {\n    image_path: \"").Append(SpriteFile).Append("\"\n    single_image_dim: ").Append(cw.ToString(CultureInfo.InvariantCulture))
                  .Append("\n    single_image_dim: ").Append(ch.ToString(CultureInfo.InvariantCulture)).Append("\n  }\n");
        }
        config.Append("}\n");
        AtomicFile.WriteAllText(Path.Combine(dir, ConfigFile), config.ToString());
    }

    // A tab or line break inside a cell would shift the columns or rows.
    private static string Cell(string s) => s.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');
}
