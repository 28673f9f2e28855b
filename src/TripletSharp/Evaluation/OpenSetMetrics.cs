namespace TripletSharp.Evaluation;

/// <summary>Open-set figures of a matcher on labelled queries, some of classes the index holds (known) and some not (unknown).</summary>
/// <param name="Queries">All queries.</param>
/// <param name="KnownQueries">Queries of a class the index holds items of.</param>
/// <param name="UnknownQueries">Queries of any other class.</param>
/// <param name="KnownAccuracy">Known queries given their right class (accepted and correct) / known queries; null without known queries.</param>
/// <param name="UnknownRejection">Unknown queries answered "unknown" / unknown queries; null without unknown queries.</param>
/// <param name="UnknownAuroc">AUROC of the nearest distance as a detector of unknown queries (ties count ½); null unless both kinds are present.</param>
/// <param name="ClosedSetAccuracy">Known queries whose nearest item has their class, with no threshold / known queries; null without known queries.</param>
/// <param name="OpenSetAccuracy">(Known queries right + unknown queries rejected) / all queries.</param>
/// <param name="KnownCorrect">Count behind <paramref name="KnownAccuracy"/>.</param>
/// <param name="KnownWrong">Known queries accepted with a wrong class.</param>
/// <param name="KnownRejected">Known queries answered "unknown".</param>
/// <param name="UnknownRejected">Count behind <paramref name="UnknownRejection"/>.</param>
public sealed record OpenSetMetrics(int Queries, int KnownQueries, int UnknownQueries, double? KnownAccuracy, double? UnknownRejection, double? UnknownAuroc,
    double? ClosedSetAccuracy, double OpenSetAccuracy, int KnownCorrect, int KnownWrong, int KnownRejected, int UnknownRejected);
