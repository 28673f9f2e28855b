namespace TripletSharp.Serving.Contracts;

/// <summary>The decision: the nearest item's class when within the threshold, otherwise <c>unknown</c>.</summary>
internal sealed record MatchResponse(string Label, bool Known, double Distance, string NearestId, string NearestLabel, double Threshold, string Measure);
