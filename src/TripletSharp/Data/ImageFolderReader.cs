using System.Runtime.InteropServices;
using SkiaSharp;
using TorchSharp;
using TripletSharp.Engine;
using static TorchSharp.torch;

namespace TripletSharp.Data;

/// <summary>
/// Reads a folder of images with one sub-folder per class (PNG, JPEG, BMP), decoded with SkiaSharp.
/// </summary>
/// <remarks>
/// <para>Classes are the sub-folders of the root, sorted by ordinal name; class i is the i-th name. Images are found
/// recursively inside each class folder and sorted by their relative path; files with other extensions and hidden
/// files or folders (name starting with '.') are ignored. Any mode decodes (grey, grey + alpha, RGB, RGBA, palette,
/// 8 or 16 bits per channel). Every image is stretched to size × size (the aspect ratio is not kept), or with
/// <see cref="ImageResize.Crop"/> its centred square is taken first, then resized with bilinear + mipmap filtering, and
/// stored as 1-channel grey (ITU-R 601 luma 0.299 R + 0.587 G + 0.114 B) or 3-channel RGB, values in [0, 1]; an alpha
/// channel is dropped and EXIF orientation is not applied.</para>
/// <para>Images decode in parallel. An unreadable, corrupt, truncated (the decoder must report complete success) or zero-byte image, an image larger than <see cref="MaxPixels"/>, or a class
/// folder without images raises a <see cref="DataFormatException"/> naming the file or folder. A class with a single
/// image is loaded as it is (the sampler and the evaluator decide what to do with it).</para>
/// <para>Links and special files: directory links are not followed (a link such as <c>self → .</c> would read every
/// image again, and a loop would never end); each one skipped is said through the notice callback. A file link is read
/// when it leads to a regular file. Only regular files are read: a FIFO, device or socket named like an image, or an
/// image larger than <see cref="MaxImageBytes"/>, is a <see cref="DataFormatException"/> naming the file (a FIFO is
/// never opened, so it cannot hang the reader). Folders that the tool itself writes (run folders, model, index and
/// projector folders, and a <c>runs/</c> folder of runs) are never read as data: each one skipped is said too.</para>
/// </remarks>
public static class ImageFolderReader
{
    /// <summary>File extensions read as images (case-insensitive).</summary>
    public static IReadOnlyList<string> Extensions { get; } = new[] { ".png", ".jpg", ".jpeg", ".bmp" };

    /// <summary>Largest source image accepted, in pixels (width × height).</summary>
    public const long MaxPixels = 100_000_000;

    /// <summary>Largest image file read, in bytes (256 MiB): a bigger file, or a device that never ends, is refused before it is read.</summary>
    public const long MaxImageBytes = 256L * 1024 * 1024;

    /// <summary>Reads the class sub-folders of <paramref name="root"/> into an N×C×size×size dataset.</summary>
    /// <param name="root">Folder with one sub-folder per class.</param>
    /// <param name="imageSize">Side of the resized images.</param>
    /// <param name="grayscale">1-channel grey (true) or 3-channel RGB (false).</param>
    /// <param name="resize">Stretch to size × size, or centre-crop the square then resize.</param>
    /// <exception cref="DataFormatException">No class folders, a class folder without images, or an unreadable image.</exception>
    public static Dataset Read(string root, int imageSize = 28, bool grayscale = true, ImageResize resize = ImageResize.Stretch)
    {
        Guard.NotNull(root, nameof(root));
        Guard.InRange(imageSize, 1, 1024, nameof(imageSize));
        if (!Directory.Exists(root)) throw new DataFormatException(root, "folder not found.");
        return ReadTree(root, ListClassNames(root), imageSize, grayscale, root, resize: resize);
    }

    /// <summary>Names of the class sub-folders of <paramref name="root"/>, sorted ordinally.</summary>
    /// <param name="root">The folder.</param>
    /// <param name="notice">Receives one line per folder skipped (a directory link, the tool's own output).</param>
    internal static string[] ListClassNames(string root, Action<string>? notice = null) =>
        Directory.EnumerateDirectories(root)
            .Where(d => !Path.GetFileName(d).StartsWith('.') && !Skipped(d, notice))
            .Select(d => Path.GetFileName(d)!)
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray();

    /// <summary>
    /// Whether <paramref name="dir"/> is a folder the tool wrote: a run folder (<c>config.json</c> beside
    /// <c>checkpoint/</c>, <c>model/</c> or <c>history.csv</c>), a model folder (<c>model.json</c>), an index folder
    /// (<c>index.json</c>), a projector folder (<c>projector_config.pbtxt</c>), or a folder holding only such folders
    /// (such as <c>runs/</c>).
    /// </summary>
    public static bool IsToolOutput(string dir)
    {
        Guard.NotNull(dir, nameof(dir));
        if (!Directory.Exists(dir)) return false;
        bool Has(string name) => File.Exists(Path.Combine(dir, name));
        if (Has("model.json") || Has("index.json") || Has("projector_config.pbtxt")) return true;
        if (Has("config.json") && (Directory.Exists(Path.Combine(dir, "checkpoint")) || Directory.Exists(Path.Combine(dir, "model")) || Has("history.csv"))) return true;
        var subs = Directory.EnumerateDirectories(dir).Where(d => !Path.GetFileName(d).StartsWith('.')).ToList();
        return subs.Count > 0 && !Directory.EnumerateFiles(dir).Any(IsImage) && subs.All(d => !IsLink(d) && IsToolOutput(d));
    }

    /// <summary>Whether a folder met while listing is left out (a directory link or the tool's own output), saying so.</summary>
    private static bool Skipped(string dir, Action<string>? notice)
    {
        if (IsLink(dir))
        {
            notice?.Invoke($"{dir}: directory link (to {new DirectoryInfo(dir).LinkTarget}) not followed; its images were not read.");
            return true;
        }
        if (IsToolOutput(dir))
        {
            notice?.Invoke($"{dir}: the tool's own output (a run, model, index or projector folder), not read as data.");
            return true;
        }
        return false;
    }

    private static bool IsLink(string dir) => new DirectoryInfo(dir).LinkTarget is not null;

    /// <summary>Reads the classes of <paramref name="classNames"/> found under <paramref name="root"/> (a class missing here is skipped: it may exist only in the other split).</summary>
    /// <param name="root">Folder holding class sub-folders.</param>
    /// <param name="classNames">Class list shared by all the trees of one dataset.</param>
    /// <param name="imageSize">Side of the resized images.</param>
    /// <param name="grayscale">Grey or RGB.</param>
    /// <param name="nameBase">Item names are paths relative to this folder.</param>
    /// <param name="notice">Receives one line per folder skipped.</param>
    /// <param name="resize">Stretch, or centre crop then resize.</param>
    /// <param name="lazy">Keep the file list and decode images when they are used (<see cref="DataOptions.Lazy"/>).</param>
    internal static Dataset ReadTree(string root, IReadOnlyList<string> classNames, int imageSize, bool grayscale, string nameBase, Action<string>? notice = null, ImageResize resize = ImageResize.Stretch, bool lazy = false)
    {
        var files = new List<(string Path, long Label)>();
        bool anyClass = false;
        for (int c = 0; c < classNames.Count; c++)
        {
            var dir = Path.Combine(root, classNames[c]);
            if (!Directory.Exists(dir)) continue;
            anyClass = true;
            var images = ListImages(dir, notice);
            if (images.Count == 0)
                throw new DataFormatException(dir, $"class folder '{classNames[c]}' has no images ({string.Join(", ", Extensions)}).");
            files.AddRange(images.Select(p => (p, (long)c)));
        }
        if (!anyClass)
        {
            bool loose = Directory.EnumerateFiles(root).Any(IsImage);
            throw new DataFormatException(root, loose
                ? "images must be in one sub-folder per class (the folder holds images but no class sub-folders)."
                : "no class sub-folders (expected one sub-folder of images per class, optionally under train/ and test/).");
        }

        var names = files.Select(f => Path.GetRelativePath(nameBase, f.Path).Replace('\\', '/')).ToArray();
        if (lazy) return new Dataset(new ImageFileItems(files.Select(f => f.Path).ToArray(), imageSize, grayscale, resize), files.Select(f => f.Label).ToArray(), classNames, names);
        var features = DecodeFiles(files.Select(f => f.Path).ToList(), imageSize, grayscale, root, resize);
        return new Dataset(features, files.Select(f => f.Label).ToArray(), classNames, DataKind.Images, names);
    }

    /// <summary>
    /// Decodes image files, in parallel, into one N×C×size×size float32 tensor exactly as training reads them (see the
    /// remarks of <see cref="ImageFolderReader"/>). The error reported is the first in the order of <paramref name="files"/>.
    /// </summary>
    /// <param name="files">Image files, any extension SkiaSharp decodes.</param>
    /// <param name="imageSize">Side of the resized images.</param>
    /// <param name="grayscale">1-channel grey (true) or 3-channel RGB (false).</param>
    /// <param name="source">Named in the error when the images do not fit in one tensor.</param>
    /// <param name="resize">Stretch, or centre crop then resize.</param>
    internal static Tensor DecodeFiles(IReadOnlyList<string> files, int imageSize, bool grayscale, string source, ImageResize resize = ImageResize.Stretch)
    {
        int channels = grayscale ? 1 : 3;
        long itemSize = (long)channels * imageSize * imageSize;
        if (itemSize * files.Count > Array.MaxLength)
            throw new DataFormatException(source, $"{files.Count} images of {channels}×{imageSize}×{imageSize} do not fit in one tensor; use a smaller image size.");
        var data = new float[itemSize * files.Count];

        // Decode in parallel; Break() lets every lower index finish, so the error reported is the first in file order.
        var errors = new DataFormatException?[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, (i, state) =>
        {
            try
            {
                Decode(files[i], imageSize, grayscale, resize, data.AsSpan((int)(i * itemSize), (int)itemSize));
            }
            catch (DataFormatException e)
            {
                errors[i] = e;
                state.Break();
            }
        });
        var first = errors.FirstOrDefault(e => e is not null);
        if (first is not null) throw first;

        NativeLibraries.EnsureLoaded();
        return torch.tensor(data, new long[] { files.Count, channels, imageSize, imageSize });
    }

    /// <summary>Decodes one image into <paramref name="destination"/> (C×size×size, values in [0, 1]), stretched to size × size.</summary>
    internal static void Decode(string path, int size, bool grayscale, Span<float> destination) =>
        Decode(path, size, grayscale, ImageResize.Stretch, destination);

    /// <summary>Reads one image file (a regular file of at most <see cref="MaxImageBytes"/> bytes) and decodes it with <see cref="ImageBytes"/>.</summary>
    internal static void Decode(string path, int size, bool grayscale, ImageResize resize, Span<float> destination)
    {
        byte[] bytes;
        try
        {
            bytes = ReadRegularFile(path, MaxImageBytes, "image");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"cannot read the image: {e.Message}", null, e);
        }
        ImageBytes.Decode(bytes, size, grayscale, resize, destination, path);
    }

    /// <summary>
    /// The bytes of a regular file of at most <paramref name="maxBytes"/> bytes. A FIFO, device or socket (even behind a
    /// link) is refused without being opened: it has no length (st_size 0), so the zero-length case is checked first.
    /// </summary>
    /// <exception cref="DataFormatException">The file is empty, special or too large.</exception>
    internal static byte[] ReadRegularFile(string path, long maxBytes, string what)
    {
        var info = new FileInfo(path);
        var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
        if (!target.Exists) throw new DataFormatException(path, $"cannot read the {what}: {(info.LinkTarget is null ? "the file is gone" : $"broken link to {info.LinkTarget}")}.");
        if (target.Length == 0)
            throw new DataFormatException(path, IsSpecial(target.FullName)
                ? $"not a regular file (a device{(info.LinkTarget is null ? "" : $", reached through a link to {info.LinkTarget}")}); only regular {what} files are read."
                : $"empty {what} file (0 bytes), or not a regular file (a FIFO or socket); only regular {what} files with content are read.");
        if (target.Length > maxBytes)
            throw new DataFormatException(path, $"{what} file of {target.Length} bytes is larger than the {maxBytes} bytes read per {what}.");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        var bytes = new byte[target.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>A path under /dev, /proc or /sys (devices and kernel files, whatever link led there).</summary>
    private static bool IsSpecial(string fullPath) =>
        fullPath.StartsWith("/dev/", StringComparison.Ordinal) || fullPath.StartsWith("/proc/", StringComparison.Ordinal) || fullPath.StartsWith("/sys/", StringComparison.Ordinal);

    /// <summary>Image files under <paramref name="dir"/>, recursively, without following directory links or entering the tool's own outputs.</summary>
    private static List<string> ListImages(string dir, Action<string>? notice)
    {
        var found = new List<string>();
        var pending = new Stack<string>();
        pending.Push(dir);
        var options = new EnumerationOptions { AttributesToSkip = FileAttributes.Hidden | FileAttributes.System, IgnoreInaccessible = false };
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            found.AddRange(Directory.EnumerateFiles(current, "*", options).Where(IsImage));
            foreach (var sub in Directory.EnumerateDirectories(current, "*", options))
            {
                if (!Path.GetFileName(sub).StartsWith('.') && !Skipped(sub, notice)) pending.Push(sub);
            }
        }
        return found.OrderBy(p => Path.GetRelativePath(dir, p), StringComparer.Ordinal).ToList();
    }

    private static bool IsImage(string path)
    {
        var name = Path.GetFileName(path);
        return !name.StartsWith('.') && Extensions.Contains(Path.GetExtension(name).ToLowerInvariant());
    }
}
