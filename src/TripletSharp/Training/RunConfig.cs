using System.Text.Json;
using TripletSharp.Data;
using TripletSharp.Models;

namespace TripletSharp.Training;

/// <summary>The content of a run's <c>config.json</c>: the resolved trainer options, how the data was read, and what it was.</summary>
public sealed record RunConfig
{
    /// <summary>Trainer options with every default resolved (model, threads, batches per epoch, folder).</summary>
    public TrainerOptions Trainer { get; init; } = new();

    /// <summary>How the data was read.</summary>
    public DataOptions Data { get; init; } = new();

    /// <summary>What the data was.</summary>
    public DataSummary? DataSummary { get; init; }

    /// <summary>Version of the library that wrote the file.</summary>
    public string? Version { get; init; }

    /// <summary>The JSON text of this configuration.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonDefaults.Options) + "\n";

    /// <summary>Writes the configuration to <paramref name="path"/> atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    /// <summary>Reads a <c>config.json</c>.</summary>
    /// <exception cref="ModelFormatException">The file is missing or not a valid configuration.</exception>
    public static RunConfig Load(string path)
    {
        Guard.NotNull(path, nameof(path));
        if (!File.Exists(path)) throw new ModelFormatException(path, "missing: not a training run folder.");
        RunConfig config;
        try
        {
            config = JsonSerializer.Deserialize<RunConfig>(File.ReadAllText(path), JsonDefaults.Options)
                ?? throw new JsonException("the file holds 'null'.");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, $"not a valid run configuration ({e.Message})", e);
        }
        // A damaged or edited value is the file's fault, not the command line's: name the file and the field.
        if (config.Trainer is null) throw new ModelFormatException(path, "field 'trainer' is missing or null");
        if (config.Data is null) throw new ModelFormatException(path, "field 'data' is missing or null");
        try
        {
            config.Trainer.Validate();
            config.Data.Validate();
        }
        catch (ArgumentException e)
        {
            var field = e.ParamName is { } p ? JsonNamingPolicy.SnakeCaseLower.ConvertName(p) : "?";
            var section = e.ParamName is not null && typeof(DataOptions).GetProperty(e.ParamName) is not null && typeof(TrainerOptions).GetProperty(e.ParamName) is null ? "data" : "trainer";
            var why = e.Message.Split('\n')[0].Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            throw new ModelFormatException(path, $"field '{section}.{field}' is not valid ({why.TrimEnd('.')}); the file is damaged or was edited", e);
        }
        return config;
    }
}
