namespace TripletSharp.Recommendation;

/// <summary>
/// Everything <see cref="CmlTrainer"/> needs to continue after a complete epoch: the vectors and Adam's state. The random
/// stream is not stored: its draws never depend on the vectors, so a resumed run replays them from the seed.
/// </summary>
/// <param name="Epoch">The last complete epoch (1-based).</param>
/// <param name="UserVectors">|users|×dimension, row-major.</param>
/// <param name="ItemVectors">|items|×dimension, row-major.</param>
/// <param name="Optimizer">Adam's state as TorchSharp's <c>save_state_dict</c> writes it.</param>
public sealed record CmlTrainingState(int Epoch, float[] UserVectors, float[] ItemVectors, byte[] Optimizer);
