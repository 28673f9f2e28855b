namespace TripletSharp.Serving.Contracts;

/// <summary>An item to add: its class name, an optional unique id, and either the raw item or its embedding.</summary>
internal sealed record NewItem(string? Id, string? Label, float[]? Item, float[]? Embedding);
