namespace TripletSharp.Recommendation;

/// <summary>One finished epoch of <see cref="CmlTrainer"/>.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Epochs in the run.</param>
/// <param name="Loss">Mean hinge loss over the epoch's batches.</param>
/// <param name="ActiveShare">Share of pairs whose hinge was positive (the ones that still moved).</param>
/// <param name="Seconds">Wall time of the epoch.</param>
public sealed record CmlEpoch(int Epoch, int Epochs, double Loss, double ActiveShare, double Seconds);
