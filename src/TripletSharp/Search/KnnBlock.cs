using static TorchSharp.torch;

namespace TripletSharp.Search;

/// <summary>
/// The nearest neighbours of one block of queries, handed to the callback of
/// <see cref="ExactKnn.SearchBlocks"/>. The tensors are disposed when the callback returns: copy what you keep.
/// </summary>
/// <param name="Start">Row of the first query of the block.</param>
/// <param name="Indices">b×k int64 gallery row indices, nearest first.</param>
/// <param name="Distances">b×k values of the measure (for similarities, larger first).</param>
public sealed record KnnBlock(long Start, Tensor Indices, Tensor Distances);
