using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using TripletSharp.Data;

namespace TripletSharp.Serving;

/// <summary>Reads and checks request bodies (JSON or multipart); every refusal is a <see cref="BadInputException"/> naming the field.</summary>
internal static partial class RequestReader
{
    /// <summary>snake_case, unknown fields refused, "NaN"/"Infinity" strings read as numbers so that the finiteness check names them.</summary>
    public static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            PropertyNameCaseInsensitive = false,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        return o;
    }

    public static bool IsMultipart(HttpRequest request) => request.HasFormContentType;

    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, CancellationToken ct) where T : class
    {
        if (!request.HasJsonContentType())
            throw new BadInputException("content-type", $"send application/json or multipart/form-data, got '{request.ContentType ?? "nothing"}'.", StatusCodes.Status415UnsupportedMediaType);
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, Json, ct) ?? throw new BadInputException("body", "the body is JSON null; send an object.");
        }
        catch (JsonException e)
        {
            throw FromJson(e);
        }
        catch (BadHttpRequestException e)
        {
            throw new BadInputException("body", CleanMessage(e.Message), e.StatusCode);
        }
    }

    public static async Task<IFormCollection> ReadFormAsync(HttpRequest request, string[] allowedFields, string[] allowedFiles, CancellationToken ct)
    {
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (BadHttpRequestException e)
        {
            throw new BadInputException("body", CleanMessage(e.Message), e.StatusCode);
        }
        catch (InvalidDataException e)
        {
            throw new BadInputException("body", $"not a valid multipart body ({CleanMessage(e.Message)}).");
        }
        foreach (var key in form.Keys)
        {
            if (!allowedFields.Contains(key, StringComparer.Ordinal))
                throw new BadInputException(key, $"unknown field; this endpoint takes {Describe(allowedFields, allowedFiles)}.");
        }
        foreach (var file in form.Files)
        {
            if (!allowedFiles.Contains(file.Name, StringComparer.Ordinal))
                throw new BadInputException(file.Name, $"unknown file field; this endpoint takes {Describe(allowedFields, allowedFiles)}.");
        }
        return form;
    }

    private static string Describe(string[] fields, string[] files) =>
        string.Join(", ", files.Select(f => $"files '{f}'").Concat(fields.Select(f => $"field '{f}'")));

    /// <summary>Decodes the multipart images into one buffer of count × item length values.</summary>
    public static async Task<(float[] Items, int Count, string[] Names)> ReadImagesAsync(IFormFileCollection files, IEmbedder embedder, int maxItems, CancellationToken ct)
    {
        var images = files.Where(f => f.Name == "image").ToList();
        if (images.Count == 0) throw new BadInputException("image", "no image; send one or more files in the multipart field 'image'.");
        if (images.Count > maxItems) throw new BadInputException("image", $"{images.Count} images; at most {maxItems} per request.");
        if (embedder.InputKind != "images" || !ImageBytes.IsImageShape(embedder.ItemShape))
            throw new BadInputException("image", $"this model takes {(embedder.InputKind == "images" ? $"{string.Join("×", embedder.ItemShape)} images, not square grey or RGB ones; send the values as JSON" : "feature rows, not images; send JSON")}.");
        int len = embedder.ItemLength;
        var items = new float[(long)images.Count * len];
        for (int i = 0; i < images.Count; i++)
        {
            using var ms = new MemoryStream();
            await images[i].CopyToAsync(ms, ct);
            var field = images.Count == 1 ? "image" : $"image[{i}]";
            try
            {
                ImageBytes.Decode(ms.GetBuffer().AsSpan(0, (int)ms.Length), embedder.ItemShape, embedder.ImageResize, items.AsSpan(i * len, len), field);
            }
            catch (DataFormatException e)
            {
                throw new BadInputException(field, e.Problem);
            }
        }
        return (items, images.Count, images.Select(f => f.FileName).ToArray());
    }

    /// <summary>Checks one row: the expected length and finite values.</summary>
    public static void CheckRow(float[]? row, int length, string field, string what)
    {
        if (row is null) throw new BadInputException(field, $"missing; send {what}.");
        if (row.Length != length) throw new BadInputException(field, $"has {row.Length} values but {what} has {length}.");
        for (int j = 0; j < row.Length; j++)
        {
            if (!float.IsFinite(row[j])) throw new BadInputException($"{field}[{j}]", $"{(float.IsNaN(row[j]) ? "NaN" : "an infinite value")}; every value must be a finite number.");
        }
    }

    public static string DescribeItem(IEmbedder e) => e.InputKind == "images"
        ? $"an item of the model ({string.Join("×", e.ItemShape)} image values in [0, 1], row-major)"
        : $"an item of the model (a feature row)";

    internal static BadInputException FromJson(JsonException e)
    {
        var path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path.TrimStart('$');
        var unknown = UnknownProperty().Match(e.Message);
        if (unknown.Success)
        {
            var name = unknown.Groups[1].Value;
            var field = path.Length == 0 ? name : path.EndsWith(name, StringComparison.Ordinal) ? path : $"{path}.{name}";
            return new BadInputException(field, "unknown field.");
        }
        if (path.Length == 0)
            return new BadInputException("body", e.LineNumber is { } line ? $"not valid JSON (line {line + 1}, byte {e.BytePositionInLine + 1})." : "not valid JSON.");
        return new BadInputException(path, "not valid here: malformed JSON or a value of the wrong type (numbers for items, embeddings and k, strings for ids and labels).");
    }

    private static string CleanMessage(string message) => message.Split('\n')[0].Trim();

    [GeneratedRegex("property '([^']+)' could not be mapped", RegexOptions.CultureInvariant)]
    private static partial Regex UnknownProperty();
}
