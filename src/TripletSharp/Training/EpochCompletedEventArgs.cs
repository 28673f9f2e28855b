using TripletSharp.Distances;
using TripletSharp.Evaluation;
using static TorchSharp.torch;

namespace TripletSharp.Training;

/// <summary>
/// What an epoch produced, for observers such as reports and TensorBoard writers: the history row and, when the
/// epoch was evaluated, the test-split embeddings (valid only during the handler; copy what you keep).
/// </summary>
public sealed class EpochCompletedEventArgs : EventArgs
{
    internal EpochCompletedEventArgs(EpochRecord record, int epochs, bool isBest, Tensor? testEmbeddings, long[] testLabels, BaseDistance distance, double margin, RunFolder? run)
    {
        Record = record;
        Epochs = epochs;
        IsBest = isBest;
        TestEmbeddings = testEmbeddings;
        TestLabels = testLabels;
        Distance = distance;
        Margin = margin;
        Run = run;
    }

    /// <summary>The epoch's history row.</summary>
    public EpochRecord Record { get; }

    /// <summary>1-based epoch number.</summary>
    public int Epoch => Record.Epoch;

    /// <summary>Total epochs of the run.</summary>
    public int Epochs { get; }

    /// <summary>Whether this is the first epoch.</summary>
    public bool IsFirst => Record.Epoch == 1;

    /// <summary>Whether this is the last epoch.</summary>
    public bool IsLast => Record.Epoch == Epochs;

    /// <summary>Whether this epoch is the best so far (its model was saved).</summary>
    public bool IsBest { get; }

    /// <summary>N×D test-split embeddings (CPU, disposed after the handlers run); null when the epoch was not evaluated.</summary>
    public Tensor? TestEmbeddings { get; }

    /// <summary>Class of every test item.</summary>
    public IReadOnlyList<long> TestLabels { get; }

    /// <summary>The training distance (for d_ap / d_an histograms).</summary>
    public BaseDistance Distance { get; }

    /// <summary>The triplet margin.</summary>
    public double Margin { get; }

    /// <summary>The run folder; null when training in memory.</summary>
    public RunFolder? Run { get; }

    /// <summary>The run folder's path; null when training in memory.</summary>
    public string? RunDirectory => Run?.Directory;

    /// <summary>
    /// Anchor–positive and anchor–negative distances (<see cref="Distance"/>) over every pair of a seeded sample of at
    /// most <paramref name="maxItems"/> test items, for histograms (see <see cref="EpochDistances.Sample"/>); empty when
    /// the epoch was not evaluated.
    /// </summary>
    public (float[] AnchorPositive, float[] AnchorNegative) TestDistances(int maxItems = EpochDistances.DefaultMaxItems, int seed = 0)
    {
        Guard.Positive(maxItems, nameof(maxItems));
        if (TestEmbeddings is null) return ([], []);
        var d = EpochDistances.Sample(TestEmbeddings, TestLabels, Distance, Epoch, maxItems, seed);
        return (d.AnchorPositive, d.AnchorNegative);
    }
}
