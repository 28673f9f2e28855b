using TripletSharp.Data;

namespace TripletSharp.Recommendation;

/// <summary>Raised by <see cref="InteractionsRun"/> once the data is read and split, before training.</summary>
/// <param name="Split">The split.</param>
/// <param name="Directory">The run folder.</param>
/// <param name="ResumedAfter">The checkpoint's epoch when the run resumes; 0 for a new run.</param>
/// <param name="ItemFeatures">The item features the model trains with; null without.</param>
public sealed record InteractionsPrepared(InteractionsSplit Split, string Directory, int ResumedAfter, ItemFeatures? ItemFeatures = null);
