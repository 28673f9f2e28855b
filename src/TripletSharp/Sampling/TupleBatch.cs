namespace TripletSharp.Sampling;

/// <summary>
/// One batch drawn from explicit tuples: the dataset rows to embed and, in batch-row indices, each tuple's anchor,
/// positive and (where it has one) negative.
/// </summary>
/// <param name="Items">Dataset index of every batch row (an item named by two tuples appears twice).</param>
/// <param name="Anchors">Batch row of every tuple's anchor.</param>
/// <param name="Positives">Batch row of every tuple's positive.</param>
/// <param name="Negatives">Batch row of every tuple's negative, −1 when the tuple has none (only mined ones).</param>
/// <param name="Groups">
/// Per batch row: the connected component of its item in the graph of positive links (anchor–positive) of all training
/// tuples. Rows of the anchor's group are never mined as its negatives.
/// </param>
/// <param name="RowLabels">
/// Per batch row, a slot number with no class meaning: a tuple's anchor and positive share one, every other row has
/// another. With them the loss's check of explicit triplets holds for every triplet the tuple miner forms.
/// </param>
public sealed record TupleBatch(int[] Items, int[] Anchors, int[] Positives, int[] Negatives, int[] Groups, long[] RowLabels);
