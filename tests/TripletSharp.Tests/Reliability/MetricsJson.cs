using System.Text.Json.Nodes;
using TripletSharp.Training;

namespace TripletSharp.Tests.Reliability;

/// <summary>The numbers of a <c>metrics.json</c>: the file also names the model it belongs to, which differs between runs.</summary>
internal static class MetricsJson
{
    /// <summary>The file's object without <see cref="RunFolder.ModelFingerprintKey"/>.</summary>
    public static JsonObject Numbers(string path)
    {
        var node = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        node.Remove(RunFolder.ModelFingerprintKey);
        return node;
    }

    /// <summary>The numbers as text (for comparing two runs' files byte for byte, fingerprint aside).</summary>
    public static string NumbersText(string path) => Numbers(path).ToJsonString();
}
