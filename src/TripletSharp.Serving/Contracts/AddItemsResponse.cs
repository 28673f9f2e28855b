namespace TripletSharp.Serving.Contracts;

/// <summary>How many items were added (and saved), their ids, and the index size after.</summary>
internal sealed record AddItemsResponse(int Added, string[] Ids, int Count);
