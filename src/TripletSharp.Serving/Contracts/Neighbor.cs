namespace TripletSharp.Serving.Contracts;

/// <summary>One search result: the item's id, its class name (<c>label</c>) and class index, its position in the index, and the distance in the index measure.</summary>
internal sealed record Neighbor(string Id, string Label, long LabelIndex, int Position, double Distance);
