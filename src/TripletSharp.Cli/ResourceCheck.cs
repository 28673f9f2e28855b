using System.Globalization;
using TripletSharp.Data;
using TripletSharp.Training;

namespace TripletSharp.Cli;

/// <summary>
/// Before a run reads its data: the <see cref="ResourceEstimate"/> against what the machine has (memory available,
/// free space on the output folder's disk). A run that cannot fit is refused naming the options and what fits; a large
/// one gets a one-line warning; <c>--no-resource-check</c> skips both.
/// </summary>
internal static class ResourceCheck
{
    /// <summary>The check of <c>triplet train</c>: the warning line to print (null when none).</summary>
    /// <exception cref="InsufficientResourcesException">The run does not fit.</exception>
    public static string? ForTraining(TrainSettings s) =>
        DataDescription.Describe(s.Data) is { } data
            ? ForTraining(data, s, MachineResources.AvailableMemoryBytes(), MachineResources.FreeDiskBytes(s.Trainer.OutputDirectory!), MachineResources.FolderBytes(s.Trainer.OutputDirectory!))
            : null;

    /// <summary>The check with the machine's figures given (tests give them, so a refusal needs no gigabytes).</summary>
    /// <param name="data">The data description.</param>
    /// <param name="s">The run's settings.</param>
    /// <param name="availableMemory">Bytes of memory available; null when unknown (not checked).</param>
    /// <param name="freeDisk">Free bytes on the output folder's disk; null when unknown.</param>
    /// <param name="existingBytes">Bytes already in the output folder (a resumed run rewrites them).</param>
    internal static string? ForTraining(DataDescription data, TrainSettings s, long? availableMemory, long? freeDisk, long existingBytes)
    {
        var estimate = ResourceEstimate.ForTraining(data, s.Trainer, s.WriteReport);
        bool sizeIsOption = IsImageFolder(s.Data);
        string options = Options(s, data, sizeIsOption);
        if (availableMemory is { } memory && estimate.ExceedsMemory(memory))
        {
            var (size, p, k) = ResourceEstimate.WhatFits(data, s.Trainer, s.WriteReport, sizeIsOption, memory);
            var fits = new List<string>();
            if (size is { } z) fits.Add($"--image-size {z}");
            if (p is { } pp) fits.Add(k is { } kk ? $"--classes-per-batch {pp} --samples-per-class {kk}" : $"--classes-per-batch {pp}");
            throw new InsufficientResourcesException(false,
                $"this run ({options}) needs {estimate.Describe()}, but {ResourceEstimate.Show(memory)} of memory is available; " +
                (fits.Count > 0 ? $"what fits: {string.Join(", or ", fits)}" : "no smaller image size or batch fits: use a machine with more memory") +
                " (--no-resource-check runs it anyway)");
        }
        long diskNeeded = Math.Max(0, estimate.DiskBytes - existingBytes);
        if (freeDisk is { } free && diskNeeded > free)
            throw new InsufficientResourcesException(true,
                $"this run ({options}) needs {estimate.Describe()}, but the disk of --out {s.Trainer.OutputDirectory} has {ResourceEstimate.Show(free)} free; " +
                "free some space or choose another --out (--no-resource-check runs it anyway)");
        if (!estimate.WarnsMemory(availableMemory) && !ResourceEstimate.WarnsDisk(diskNeeded, freeDisk)) return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"this run ({options}) needs {estimate.Describe()}; {(availableMemory is { } a ? ResourceEstimate.Show(a) : "unknown")} of memory available, {(freeDisk is { } f ? ResourceEstimate.Show(f) : "unknown")} free on the disk of --out.");
    }

    /// <summary>
    /// The check of the commands that embed data with a saved model (eval, embed, index, calibrate, match): the decoded
    /// data, the weights and a forward pass at the embedding batch must fit the memory available.
    /// </summary>
    /// <exception cref="InsufficientResourcesException">They do not fit.</exception>
    public static void ForEmbedding(TripletSharp.Models.ModelBundle model, DataOptions options, long? availableMemory = null)
    {
        if (DataDescription.Describe(options) is not { } data) return;
        long parameters = model.Module.parameters().Sum(p => p.numel());
        var estimate = ResourceEstimate.ForEmbedding(data, model.Architecture, parameters, EmbeddingBatch);
        if ((availableMemory ?? MachineResources.AvailableMemoryBytes()) is { } memory && estimate.ExceedsMemory(memory))
            throw new InsufficientResourcesException(false,
                $"embedding {(options.Path ?? "the bundled sample")} ({data.DecodedItems} items of {string.Join("×", data.ItemShape)}{(IsImageFolder(options) ? $", from the model's image size {options.ImageSize}" : "")}) needs {estimate.Describe()}, but {ResourceEstimate.Show(memory)} of memory is available; give fewer items (--classes, or a smaller dataset)");
    }

    /// <summary>The batch the tool embeds data in (<see cref="TripletSharp.Models.EmbeddingSet"/>'s default).</summary>
    private const int EmbeddingBatch = TripletSharp.Models.ModelBundle.DefaultEmbedBatchSize;

    /// <summary>Whether the image size is set by --image-size (an image folder, not IDX files of a fixed size).</summary>
    private static bool IsImageFolder(DataOptions data)
    {
        if (data.Format != DataFormat.Auto) return data.Format == DataFormat.Folder;
        try { return DatasetLoader.DetectFormat(data.Path ?? BundledData.DefaultPath) == DataFormat.Folder; }
        catch (DataFormatException) { return false; }
    }

    /// <summary>The options that size the run, as given.</summary>
    private static string Options(TrainSettings s, DataDescription data, bool sizeIsOption)
    {
        var parts = new List<string>();
        if (sizeIsOption) parts.Add($"--image-size {s.Data.ImageSize}{(s.Data.Grayscale ? "" : " --color")}");
        else parts.Add($"items of {string.Join("×", data.ItemShape)}");
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"batch {s.Trainer.ClassesPerBatch * s.Trainer.SamplesPerClass} = --classes-per-batch {s.Trainer.ClassesPerBatch} × --samples-per-class {s.Trainer.SamplesPerClass}"));
        parts.Add(s.Data.MaxTrainItems is { } m ? $"--max-train-items {m}" : $"{data.TrainItems} training items, no --max-train-items");
        return string.Join(", ", parts);
    }
}
