using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TripletSharp.Data;

/// <summary>
/// Item features as read from a file (<see cref="ItemFeaturesReader"/>): one encoded vector of
/// <see cref="ItemFeaturesSchema.Width"/> inputs per item id, laid out by <see cref="Schema"/>.
/// </summary>
public sealed class ItemFeatures
{
    private readonly Dictionary<string, int> _index;

    /// <summary>Creates the table; the arrays are kept, not copied.</summary>
    /// <param name="source">The file read (empty for data made in memory).</param>
    /// <param name="schema">The layout of every vector.</param>
    /// <param name="ids">Item ids, distinct.</param>
    /// <param name="values">|ids|×<see cref="ItemFeaturesSchema.Width"/>, row-major.</param>
    /// <param name="unknownValues">Categorical values of the file not in <paramref name="schema"/> (left out; counted).</param>
    public ItemFeatures(string source, ItemFeaturesSchema schema, IReadOnlyList<string> ids, float[] values, int unknownValues = 0)
    {
        Guard.NotNull(schema, nameof(schema));
        Guard.NotNull(ids, nameof(ids));
        Guard.NotNull(values, nameof(values));
        schema.Validate();
        if (values.Length != (long)ids.Count * schema.Width) throw new ArgumentException($"'{nameof(values)}' must hold {ids.Count}×{schema.Width} values.", nameof(values));
        _index = new Dictionary<string, int>(ids.Count, StringComparer.Ordinal);
        for (int i = 0; i < ids.Count; i++)
            if (!_index.TryAdd(ids[i], i)) throw new ArgumentException($"the item id '{ids[i]}' appears twice.", nameof(ids));
        Source = source ?? "";
        Schema = schema;
        Ids = ids;
        Values = values;
        UnknownValues = unknownValues;
    }

    /// <summary>The file read.</summary>
    public string Source { get; }

    /// <summary>The layout of the vectors.</summary>
    public ItemFeaturesSchema Schema { get; }

    /// <summary>Item ids of the rows.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>The encoded vectors, |ids|×width, row-major.</summary>
    public float[] Values { get; }

    /// <summary>Inputs per vector.</summary>
    public int Width => Schema.Width;

    /// <summary>Number of items.</summary>
    public int Count => Ids.Count;

    /// <summary>Categorical values met in the file that the schema does not know (a schema fixed by training); they were left out.</summary>
    public int UnknownValues { get; }

    /// <summary>
    /// SHA-256 (lower-case hex) over the schema, the ids and the encoded values: two tables with the same fingerprint
    /// give a model the same inputs. A resumed run checks it (the file's path does not matter, its content does).
    /// </summary>
    public string Fingerprint()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData("tripletsharp-item-features-v1\n"u8);
        sha.AppendData(JsonSerializer.SerializeToUtf8Bytes(Schema, JsonDefaults.Options));
        sha.AppendData(Encoding.UTF8.GetBytes("\n" + string.Join('\u001f', Ids) + "\n"));
        sha.AppendData(MemoryMarshal.AsBytes(Values.AsSpan()));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The row of <paramref name="id"/>, or −1.</summary>
    public int IndexOf(string id) => _index.TryGetValue(id, out int i) ? i : -1;

    /// <summary>
    /// The vectors of <paramref name="itemIds"/> in that order (|itemIds|×width): an item the file does not list gets
    /// zeros and its "no features" input set to 1, and is counted in <paramref name="missing"/>.
    /// </summary>
    public float[] Align(IReadOnlyList<string> itemIds, out int missing)
    {
        Guard.NotNull(itemIds, nameof(itemIds));
        int w = Width;
        var result = new float[(long)itemIds.Count * w];
        missing = 0;
        for (int x = 0; x < itemIds.Count; x++)
        {
            int row = IndexOf(itemIds[x]);
            if (row >= 0) Array.Copy(Values, (long)row * w, result, (long)x * w, w);
            else
            {
                result[(long)x * w + w - 1] = 1f;
                missing++;
            }
        }
        return result;
    }
}
