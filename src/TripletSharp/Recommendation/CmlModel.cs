using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using TripletSharp.Data;
using TripletSharp.Distances;
using TripletSharp.Engine;
using TripletSharp.Models;
using TripletSharp.Search;

namespace TripletSharp.Recommendation;

/// <summary>
/// A trained Collaborative Metric Learning model: a vector per user and per item in the unit ball; a user's
/// recommendations are the items nearest to it (Euclidean), a similar item is a near item. Saved as a folder:
/// <c>recommender.json</c> (ids, each user's seen items, settings), <c>users.f32</c> and <c>items.f32</c> (row-major
/// little-endian float32) and <c>index/</c>, an exact <see cref="EmbeddingIndex"/> of the item vectors. A model trained
/// with item features also has <c>tower.f32</c>, its <see cref="ItemFeatureTower"/> (format version 2, its schema in
/// <c>recommender.json</c>); version 1 folders, without a tower, still load.
/// </summary>
public sealed class CmlModel : IRecommender
{
    /// <summary>The <c>format</c> value of <c>recommender.json</c>.</summary>
    public const string FormatName = "tripletsharp-recommender";

    /// <summary>The manifest file of a saved model.</summary>
    public const string ManifestFileName = "recommender.json";

    /// <summary>The item index sub-folder of a saved model.</summary>
    public const string IndexFolderName = "index";

    /// <summary>The item tower's weights file of a model trained with item features.</summary>
    public const string TowerFileName = "tower.f32";

    private readonly Dictionary<string, int> _userIndex;
    private readonly Dictionary<string, int> _itemIndex;

    /// <summary>Creates a model from its vectors (kept, not copied).</summary>
    /// <param name="userIds">User ids.</param>
    /// <param name="itemIds">Item ids.</param>
    /// <param name="userVectors">|users|×dimension, row-major.</param>
    /// <param name="itemVectors">|items|×dimension, row-major.</param>
    /// <param name="dimension">Vector dimension.</param>
    /// <param name="seen">Per user, the training items (left out by <c>--exclude-seen</c>).</param>
    /// <param name="tower">The item tower when the model was trained with item features, else null.</param>
    public CmlModel(IReadOnlyList<string> userIds, IReadOnlyList<string> itemIds, float[] userVectors, float[] itemVectors, int dimension, IReadOnlyList<int[]> seen,
        ItemFeatureTower? tower = null)
    {
        Guard.NotNull(userIds, nameof(userIds));
        Guard.NotNull(itemIds, nameof(itemIds));
        Guard.Positive(dimension, nameof(dimension));
        if (userVectors.Length != (long)userIds.Count * dimension) throw new ArgumentException($"'{nameof(userVectors)}' must hold {userIds.Count}×{dimension} values.", nameof(userVectors));
        if (itemVectors.Length != (long)itemIds.Count * dimension) throw new ArgumentException($"'{nameof(itemVectors)}' must hold {itemIds.Count}×{dimension} values.", nameof(itemVectors));
        if (seen.Count != userIds.Count) throw new ArgumentException($"'{nameof(seen)}' must have one list per user.", nameof(seen));
        if (tower is not null && tower.Dimension != dimension) throw new ArgumentException($"'{nameof(tower)}' outputs {tower.Dimension} values, the model's vectors {dimension}.", nameof(tower));
        UserIds = userIds;
        ItemIds = itemIds;
        UserVectors = userVectors;
        ItemVectors = itemVectors;
        Dimension = dimension;
        Seen = seen;
        Tower = tower;
        _userIndex = Index(userIds, "user");
        _itemIndex = Index(itemIds, "item");
    }

    /// <inheritdoc/>
    public string Name => "cml";

    /// <summary>User ids.</summary>
    public IReadOnlyList<string> UserIds { get; }

    /// <summary>Item ids.</summary>
    public IReadOnlyList<string> ItemIds { get; }

    /// <summary>User vectors, row-major.</summary>
    public float[] UserVectors { get; }

    /// <summary>Item vectors, row-major.</summary>
    public float[] ItemVectors { get; }

    /// <summary>Vector dimension.</summary>
    public int Dimension { get; }

    /// <summary>Per user, the items seen in training.</summary>
    public IReadOnlyList<int[]> Seen { get; }

    /// <summary>The item tower (features → vector) when the model was trained with item features, else null.</summary>
    public ItemFeatureTower? Tower { get; }

    /// <summary>The measure: Euclidean distance (CML's).</summary>
    public static BaseDistance Measure { get; } = new EuclideanDistance();

    /// <summary>The index of user <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentException">No such user (ParamName <c>User</c>).</exception>
    public int UserOf(string id) => _userIndex.TryGetValue(id, out int u) ? u
        : throw new ArgumentException($"'User' {id} is not a user of this model ({UserIds.Count} users, for example {string.Join(", ", UserIds.Take(3))}).", "User");

    /// <summary>The index of item <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentException">No such item (ParamName <c>Item</c>).</exception>
    public int ItemOf(string id) => _itemIndex.TryGetValue(id, out int i) ? i
        : throw new ArgumentException($"'Item' {id} is not an item of this model ({ItemIds.Count} items, for example {string.Join(", ", ItemIds.Take(3))}){(Tower is null ? "" : "; a new item: place it with its features")}.", "Item");

    /// <summary>The users' vectors as a |users|×D float32 tensor (the caller disposes it).</summary>
    public torch.Tensor UserTensor(IReadOnlyList<int> users)
    {
        var data = new float[(long)users.Count * Dimension];
        for (int x = 0; x < users.Count; x++) Array.Copy(UserVectors, (long)users[x] * Dimension, data, (long)x * Dimension, Dimension);
        NativeLibraries.EnsureLoaded();
        return torch.tensor(data, new long[] { users.Count, Dimension });
    }

    /// <summary>The item vectors as an |items|×D float32 tensor (the caller disposes it).</summary>
    public torch.Tensor ItemTensor()
    {
        NativeLibraries.EnsureLoaded();
        return torch.tensor(ItemVectors, new long[] { ItemIds.Count, Dimension });
    }

    /// <inheritdoc/>
    /// <remarks>Nearest items by <see cref="ExactKnn"/>, the seen ones left out by <see cref="SeenItems"/>.</remarks>
    public int[][] Recommend(IReadOnlyList<int> users, int k, IReadOnlyList<int[]> seen)
    {
        Guard.NotNull(users, nameof(users));
        Guard.Positive(k, nameof(k));
        if (users.Count == 0) return [];
        int wide = SeenItems.SearchWidth(k, users.Max(u => seen[u].Length), ItemIds.Count);
        using var scope = torch.NewDisposeScope();
        using var queries = UserTensor(users);
        using var gallery = ItemTensor();
        using var knn = ExactKnn.Search(queries, gallery, wide, Measure);
        var indices = knn.Indices.data<long>().ToArray();
        var result = new int[users.Count][];
        for (int x = 0; x < users.Count; x++)
            result[x] = SeenItems.LeaveOut(indices.Skip(x * wide).Take(wide).Select(i => (int)i), i => i, seen[users[x]], k).ToArray();
        return result;
    }

    /// <summary>
    /// The vectors of the items of <paramref name="features"/> (|features|×D, row-major): an item of this model keeps its
    /// trained vector; any other item is placed by the tower alone (it has no id embedding).
    /// </summary>
    /// <exception cref="InvalidOperationException">The model was trained without item features.</exception>
    /// <exception cref="ArgumentException">The features are not laid out as the tower's (read them with <see cref="ItemFeaturesReader.Read(string, ItemFeaturesSchema)"/> and <see cref="ItemFeatureTower.Schema"/>).</exception>
    public float[] EmbedItems(ItemFeatures features)
    {
        Guard.NotNull(features, nameof(features));
        var tower = Tower ?? throw new InvalidOperationException("this recommender was trained without item features (train with --item-features to place new items).");
        if (!features.Schema.InputNames.SequenceEqual(tower.Schema.InputNames))
            throw new ArgumentException($"the features of {features.Source} are not laid out as the model's ({features.Width} inputs, the model's {tower.Schema.Width}); read them against the model's schema.", nameof(features));
        var placed = tower.Embed(features.Values, features.Count);
        for (int x = 0; x < features.Count; x++)
            if (_itemIndex.TryGetValue(features.Ids[x], out int i)) Array.Copy(ItemVectors, (long)i * Dimension, placed, (long)x * Dimension, Dimension);
        return placed;
    }

    /// <summary>
    /// This model with the items of <paramref name="features"/> that it does not know appended to its catalogue, placed by
    /// the tower (<see cref="EmbedItems"/>); users, their seen items and the known items are unchanged.
    /// </summary>
    public CmlModel PlaceItems(ItemFeatures features)
    {
        var vectors = EmbedItems(features);
        var fresh = Enumerable.Range(0, features.Count).Where(x => !_itemIndex.ContainsKey(features.Ids[x])).ToArray();
        var items = new float[(long)(ItemIds.Count + fresh.Length) * Dimension];
        Array.Copy(ItemVectors, items, ItemVectors.Length);
        for (int f = 0; f < fresh.Length; f++) Array.Copy(vectors, (long)fresh[f] * Dimension, items, (long)(ItemIds.Count + f) * Dimension, Dimension);
        return new CmlModel(UserIds, [.. ItemIds, .. fresh.Select(x => features.Ids[x])], UserVectors, items, Dimension, Seen, Tower);
    }

    /// <summary>An exact index of the item vectors (ids: item ids; one class, "item"), under this model's fingerprint.</summary>
    public EmbeddingIndex BuildItemIndex(string fingerprint)
    {
        using var items = ItemTensor();
        return EmbeddingIndex.Build(items, new long[ItemIds.Count], ["item"], ItemIds, Measure, fingerprint);
    }

    /// <summary>Saves the model into <paramref name="folder"/> (created if needed; every file written atomically) and returns its fingerprint.</summary>
    public string Save(string folder, CmlOptions options)
    {
        Guard.NotNull(folder, nameof(folder));
        Directory.CreateDirectory(folder);
        var tower = Tower is null ? null : new CmlTowerManifest(Tower.Schema, Tower.HiddenSizes.ToArray(), TowerFileName);
        var manifest = new CmlManifest(FormatName, Tower is null ? 1 : 2, Dimension, Measure.Name, options.Margin, UserIds.ToArray(), ItemIds.ToArray(), Seen.ToArray(), tower);
        var json = JsonSerializer.SerializeToUtf8Bytes(manifest, JsonDefaults.Options);
        var users = Bytes(UserVectors);
        var items = Bytes(ItemVectors);
        var towerBytes = Tower is null ? null : Bytes(Tower.Weights);
        AtomicFile.WriteAllBytes(Path.Combine(folder, "users.f32"), users);
        AtomicFile.WriteAllBytes(Path.Combine(folder, "items.f32"), items);
        if (towerBytes is not null) AtomicFile.WriteAllBytes(Path.Combine(folder, TowerFileName), towerBytes);
        AtomicFile.WriteAllBytes(Path.Combine(folder, ManifestFileName), json);
        var fingerprint = Fingerprint(json, users, items, towerBytes);
        using var index = BuildItemIndex(fingerprint);
        index.Save(Path.Combine(folder, IndexFolderName));
        return fingerprint;
    }

    /// <summary>Loads a model saved by <see cref="Save"/>; returns it with its fingerprint.</summary>
    /// <exception cref="ModelFormatException">The folder is not a saved recommender, or a file is missing or damaged.</exception>
    public static (CmlModel Model, string Fingerprint) Load(string folder)
    {
        Guard.NotNull(folder, nameof(folder));
        var manifestPath = Path.Combine(folder, ManifestFileName);
        if (!Directory.Exists(folder)) throw new ModelFormatException(folder, "no such model folder.");
        if (!File.Exists(manifestPath))
            throw new ModelFormatException(manifestPath, File.Exists(Path.Combine(folder, ModelBundle.ManifestFileName))
                ? "missing: this is an embedding model, not a recommender (train one with --format interactions)."
                : "missing: the folder is not a TripletSharp recommender.");
        var json = File.ReadAllBytes(manifestPath);
        CmlManifest? m;
        try { m = JsonSerializer.Deserialize<CmlManifest>(json, JsonDefaults.Options); }
        catch (JsonException e) { throw new ModelFormatException(manifestPath, $"not valid JSON ({e.Message})", e); }
        if (m is null || m.Format != FormatName || m.Users is null || m.Items is null || m.Seen is null || m.Dimension <= 0)
            throw new ModelFormatException(manifestPath, $"not a {FormatName} manifest.");
        if (m.Version is < 1 or > 2) throw new ModelFormatException(manifestPath, $"format version {m.Version}; this build reads versions 1 and 2.");
        var users = ReadVectors(Path.Combine(folder, "users.f32"), m.Users.Length, m.Dimension, out var userBytes);
        var items = ReadVectors(Path.Combine(folder, "items.f32"), m.Items.Length, m.Dimension, out var itemBytes);
        if (m.Seen.Any(s => s.Any(i => i < 0 || i >= m.Items.Length)))
            throw new ModelFormatException(manifestPath, "'seen' names an item outside 'items'.");
        ItemFeatureTower? tower = null;
        byte[]? towerBytes = null;
        if (m.ItemFeatures is { } t)
        {
            if (t.Schema is null || t.Hidden is null || string.IsNullOrEmpty(t.Weights) || Path.GetFileName(t.Weights) != t.Weights)
                throw new ModelFormatException(manifestPath, "'item_features' needs a schema, hidden sizes and a weights file name.");
            try
            {
                t.Schema.Validate();
                var weights = ReadVectors(Path.Combine(folder, t.Weights), 1, checked((int)ItemFeatureTower.WeightCount(t.Schema.Width, t.Hidden, m.Dimension)), out towerBytes);
                tower = new ItemFeatureTower(t.Schema, t.Hidden, m.Dimension, weights);
            }
            catch (ArgumentException e) { throw new ModelFormatException(manifestPath, $"'item_features' is damaged ({e.Message})", e); }
        }
        return (new CmlModel(m.Users, m.Items, users, items, m.Dimension, m.Seen, tower), Fingerprint(json, userBytes, itemBytes, towerBytes));
    }

    private static float[] ReadVectors(string path, int rows, int dim, out byte[] bytes)
    {
        if (!File.Exists(path)) throw new ModelFormatException(path, "missing.");
        bytes = File.ReadAllBytes(path);
        if (bytes.Length != (long)rows * dim * sizeof(float))
            throw new ModelFormatException(path, $"{bytes.Length} bytes; {rows}×{dim} float32 values need {(long)rows * dim * sizeof(float)} (truncated or from another model).");
        var values = new float[(long)rows * dim];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("recommender files are little-endian.");
        return values;
    }

    private static byte[] Bytes(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static string Fingerprint(byte[] manifest, byte[] users, byte[] items, byte[]? tower)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData("tripletsharp-recommender-fingerprint-v1\n"u8);
        foreach (var part in tower is null ? new[] { manifest, users, items } : [manifest, users, items, tower]) sha.AppendData(SHA256.HashData(part));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static Dictionary<string, int> Index(IReadOnlyList<string> ids, string what)
    {
        var index = new Dictionary<string, int>(ids.Count, StringComparer.Ordinal);
        for (int i = 0; i < ids.Count; i++)
            if (!index.TryAdd(ids[i], i)) throw new ArgumentException($"the {what} id '{ids[i]}' appears twice.", what + "Ids");
        return index;
    }

    /// <summary>The JSON of <c>recommender.json</c> (<c>item_features</c> only in version 2, with a tower).</summary>
    private sealed record CmlManifest(string Format, int Version, int Dimension, string Measure, double Margin, string[] Users, string[] Items, int[][] Seen,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CmlTowerManifest? ItemFeatures = null);

    /// <summary>The item tower's entry in <c>recommender.json</c>: the feature schema, the hidden sizes and the weights file.</summary>
    private sealed record CmlTowerManifest(ItemFeaturesSchema Schema, int[] Hidden, string Weights);
}
