using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Models;

// Embedding of image files as training prepared them (issue 9: no public way to embed a file or a list of files).
public sealed partial class ModelBundle
{
    /// <summary>
    /// Embeds image files (PNG, JPEG, BMP) exactly as training prepared the model's images: decoded with the image
    /// folder reader's rules (resized to the model's image size as its recorded <see cref="DataOptions.Resize"/> says,
    /// stretched when the model has no record; grey or RGB as the model's channel count, values in [0, 1]), then the
    /// model's input normalisation. Training augmentation is never applied here. No class folders are needed.
    /// </summary>
    /// <param name="files">Image files, in the order of the rows returned.</param>
    /// <param name="batchSize">Items per forward pass.</param>
    /// <returns>N×<see cref="EmbeddingDim"/> float32 embeddings, one row per file.</returns>
    /// <exception cref="ModelInputMismatchException">The model was not trained on square grey or RGB images.</exception>
    /// <exception cref="DataFormatException">A file is missing, unreadable, corrupt or not an image; the message names it.</exception>
    public Tensor Embed(IEnumerable<string> files, int batchSize = DefaultEmbedBatchSize)
    {
        Guard.NotNull(files, nameof(files));
        Guard.Positive(batchSize, nameof(batchSize));
        var list = files.ToList();
        for (int i = 0; i < list.Count; i++)
            if (string.IsNullOrEmpty(list[i])) throw new ArgumentException($"file {i} is null or empty.", nameof(files));
        var (size, grayscale) = ImageDecoding();
        NativeLibraries.EnsureLoaded();
        using var scope = torch.NewDisposeScope();
        var images = list.Count == 0
            ? torch.empty(0, grayscale ? 1 : 3, size, size)
            : ImageFolderReader.DecodeFiles(list, size, grayscale, list.Count == 1 ? list[0] : $"{list.Count} files", Input.Data?.Resize ?? DataOptions.UnrecordedResize);
        return EmbedPrepared(Module, images, Input.Normalization, batchSize).MoveToOuterDisposeScope();
    }

    /// <summary>Embeds one image file as training prepared the model's images (see <see cref="Embed(IEnumerable{string}, int)"/>).</summary>
    /// <param name="file">An image file (PNG, JPEG, BMP).</param>
    /// <returns>A 1×<see cref="EmbeddingDim"/> float32 embedding.</returns>
    /// <exception cref="ModelInputMismatchException">The model was not trained on square grey or RGB images.</exception>
    /// <exception cref="DataFormatException">The file is missing, unreadable, corrupt or not an image.</exception>
    public Tensor Embed(string file)
    {
        Guard.NotNull(file, nameof(file));
        return Embed([file]);
    }

    /// <summary>The image size and colour the model was trained with, from its input shape (C×S×S, C = 1 or 3).</summary>
    private (int Size, bool Grayscale) ImageDecoding()
    {
        var shape = Input.ItemShape;
        if (Input.Kind != DataKind.Images || !ImageBytes.IsImageShape(shape))
            throw new ModelInputMismatchException(Path ?? "in memory", Input.Describe(), "image files (square grey or RGB images)");
        return ((int)shape[1], shape[0] == 1);
    }
}
