namespace TripletSharp.Serving.Contracts;

/// <summary><c>POST /v1/items</c> as JSON.</summary>
internal sealed record AddItemsRequest(NewItem[]? Items);
