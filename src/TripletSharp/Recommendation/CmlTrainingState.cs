namespace TripletSharp.Recommendation;

/// <summary>
/// Everything <see cref="CmlTrainer"/> needs to continue after a complete epoch: the weights and Adam's state. The
/// random stream is not stored: its draws (pair order, negatives, the item tower's id dropout) never depend on the
/// weights, so a resumed run replays them from the seed.
/// </summary>
/// <param name="Epoch">The last complete epoch (1-based).</param>
/// <param name="UserVectors">|users|×dimension, row-major.</param>
/// <param name="ItemVectors">|items|×dimension, row-major: the item vectors; with item features, the id embeddings (empty without them).</param>
/// <param name="Optimizer">Adam's state as TorchSharp's <c>save_state_dict</c> writes it.</param>
/// <param name="Tower">With item features: the tower's weights flattened in <c>parameters()</c> order; null without.</param>
public sealed record CmlTrainingState(int Epoch, float[] UserVectors, float[] ItemVectors, byte[] Optimizer, float[]? Tower = null);
