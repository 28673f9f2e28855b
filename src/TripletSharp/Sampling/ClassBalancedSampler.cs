namespace TripletSharp.Sampling;

/// <summary>
/// P classes × K samples per batch (PML's MPerClassSampler). Deterministic for a seed and epoch; draws with
/// replacement only for classes with fewer than K items.
/// </summary>
/// <remarks>
/// Every class's items are visited in a shuffled cycle, K at a time, so over an epoch each item is drawn about once
/// (a class with fewer than K items contributes all of them plus random repeats). Each batch takes P distinct classes,
/// picked in proportion to how many K-groups they still have in the current round. <see cref="GetEpoch"/> depends only on
/// (seed, epoch), never on earlier calls, so a run can resume mid-epoch by skipping batches.
/// </remarks>
public sealed class ClassBalancedSampler
{
    private readonly long[] _classIds;
    private readonly int[][] _members;
    private readonly int _seed;

    /// <summary>Creates a sampler over the dataset's <paramref name="labels"/>.</summary>
    /// <param name="labels">Class id of every item of the dataset.</param>
    /// <param name="classesPerBatch">P: classes per batch.</param>
    /// <param name="samplesPerClass">K: items per class in a batch.</param>
    /// <param name="seed">Seed; with the epoch number it fixes every batch.</param>
    /// <param name="batchesPerEpoch">Batches per epoch; by default ⌊items / (P·K)⌋ (see <see cref="DefaultBatchesPerEpoch"/>).</param>
    /// <exception cref="ArgumentException">Empty labels, P or K ≤ 0, fewer classes than P, or batchesPerEpoch ≤ 0.</exception>
    public ClassBalancedSampler(IReadOnlyList<long> labels, int classesPerBatch, int samplesPerClass, int seed = 0, int? batchesPerEpoch = null)
    {
        Guard.NotNull(labels, nameof(labels));
        if (labels.Count == 0) throw new ArgumentException("'labels' is empty: the dataset has no items to sample.", nameof(labels));
        Guard.Positive(classesPerBatch, nameof(classesPerBatch));
        Guard.Positive(samplesPerClass, nameof(samplesPerClass));
        if (batchesPerEpoch is int bpe) Guard.Positive(bpe, nameof(batchesPerEpoch));
        var groups = new SortedDictionary<long, List<int>>();
        for (int i = 0; i < labels.Count; i++)
        {
            if (!groups.TryGetValue(labels[i], out var list)) groups[labels[i]] = list = new List<int>();
            list.Add(i);
        }
        if (groups.Count < classesPerBatch)
            throw new ArgumentException($"'{nameof(classesPerBatch)}' is {classesPerBatch} but the dataset has only {groups.Count} classes.", nameof(classesPerBatch));
        if ((long)classesPerBatch * samplesPerClass > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(samplesPerClass), "P·K does not fit in an int.");
        _classIds = groups.Keys.ToArray();
        _members = groups.Values.Select(l => l.ToArray()).ToArray();
        _seed = seed;
        ClassesPerBatch = classesPerBatch;
        SamplesPerClass = samplesPerClass;
        BatchesPerEpoch = batchesPerEpoch ?? DefaultBatchesPerEpoch(labels.Count, BatchSize);
    }

    /// <summary>
    /// The one rule for batches per epoch when none is given: ⌊items / batch size⌋, at least 1, so an epoch sees about
    /// every item once and none twice (the trainer's default too).
    /// </summary>
    public static int DefaultBatchesPerEpoch(long items, long batchSize)
    {
        Guard.Positive(batchSize, nameof(batchSize));
        return (int)Math.Min(int.MaxValue, Math.Max(1, items / batchSize));
    }

    /// <summary>P.</summary>
    public int ClassesPerBatch { get; }

    /// <summary>K.</summary>
    public int SamplesPerClass { get; }

    /// <summary>P·K.</summary>
    public int BatchSize => ClassesPerBatch * SamplesPerClass;

    /// <summary>Batches in one epoch.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>Number of classes in the dataset.</summary>
    public int ClassCount => _members.Length;

    /// <summary>A sampler from a batch size (PML's <c>batch_size</c>/<c>m</c> form): P = batchSize / samplesPerClass.</summary>
    /// <exception cref="ArgumentException"><paramref name="batchSize"/> is not a positive multiple of <paramref name="samplesPerClass"/>, or as for the constructor.</exception>
    public static ClassBalancedSampler FromBatchSize(IReadOnlyList<long> labels, int samplesPerClass, int batchSize, int seed = 0, int? batchesPerEpoch = null)
    {
        Guard.Positive(samplesPerClass, nameof(samplesPerClass));
        Guard.Positive(batchSize, nameof(batchSize));
        if (batchSize % samplesPerClass != 0)
            throw new ArgumentException($"'{nameof(batchSize)}' ({batchSize}) must be a multiple of '{nameof(samplesPerClass)}' ({samplesPerClass}) so that every batch is P classes × K items.", nameof(batchSize));
        return new ClassBalancedSampler(labels, batchSize / samplesPerClass, samplesPerClass, seed, batchesPerEpoch);
    }

    /// <summary>The batches (dataset indices) of one epoch; the same for the same seed and epoch.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    public IEnumerable<int[]> GetEpoch(int epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, $"'{nameof(epoch)}' must be >= 0, got {epoch}.");
        return Generate(epoch);
    }

    private IEnumerable<int[]> Generate(int epoch)
    {
        var random = new Random(MixSeed(_seed, epoch));
        int classes = _members.Length, k = SamplesPerClass, p = ClassesPerBatch;
        // Per-class shuffled cycles and how many K-groups each class still owes in the current round.
        var cycles = new int[classes][];
        var cursor = new int[classes];
        var owed = new int[classes];
        for (int c = 0; c < classes; c++)
        {
            cycles[c] = (int[])_members[c].Clone();
            Shuffle(cycles[c], random);
        }
        void NewRound()
        {
            for (int c = 0; c < classes; c++) owed[c] += (_members[c].Length + k - 1) / k;
        }
        NewRound();
        var chosen = new int[p];
        var inBatch = new bool[classes];
        for (int batch = 0; batch < BatchesPerEpoch; batch++)
        {
            // P distinct classes, each drawn with probability ∝ its owed groups; a new round starts when too few classes owe.
            int picked = 0;
            while (picked < p)
            {
                int candidates = 0, weight = 0;
                for (int c = 0; c < classes; c++)
                    if (!inBatch[c] && owed[c] > 0) { candidates++; weight += owed[c]; }
                if (candidates == 0 || (picked == 0 && candidates < p))
                {
                    NewRound();
                    continue;
                }
                int r = random.Next(weight), pick = -1;
                for (int c = 0; c < classes && pick < 0; c++)
                {
                    if (inBatch[c] || owed[c] == 0) continue;
                    if (r < owed[c]) pick = c; else r -= owed[c];
                }
                inBatch[pick] = true;
                owed[pick]--;
                chosen[picked++] = pick;
            }
            var items = new int[p * k];
            for (int i = 0; i < p; i++)
            {
                TakeGroup(chosen[i], cycles, cursor, random, items.AsSpan(i * k, k));
                inBatch[chosen[i]] = false;
            }
            yield return items;
        }
    }

    /// <summary>Next K items of a class's cycle; a class with fewer than K items gives all of them plus random repeats.</summary>
    private void TakeGroup(int c, int[][] cycles, int[] cursor, Random random, Span<int> into)
    {
        var members = _members[c];
        int k = into.Length;
        if (members.Length < k)
        {
            Shuffle(cycles[c], random);
            for (int i = 0; i < members.Length; i++) into[i] = cycles[c][i];
            for (int i = members.Length; i < k; i++) into[i] = members[random.Next(members.Length)];
            return;
        }
        var cycle = cycles[c];
        for (int i = 0; i < k; i++)
        {
            if (cursor[c] == cycle.Length)
            {
                // New pass over the class: reshuffle, then move items already in this group to the end so none repeats.
                Shuffle(cycle, random);
                int front = 0;
                for (int j = 0; j < cycle.Length; j++)
                {
                    if (into[..i].Contains(cycle[j])) continue;
                    (cycle[front], cycle[j]) = (cycle[j], cycle[front]);
                    front++;
                }
                cursor[c] = 0;
            }
            into[i] = cycle[cursor[c]++];
        }
    }

    private static void Shuffle(int[] a, Random random)
    {
        for (int i = a.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (a[i], a[j]) = (a[j], a[i]);
        }
    }

    private static int MixSeed(int seed, int epoch)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)epoch * 0xBF58476D1CE4E5B9UL;
        z ^= z >> 31;
        z *= 0x94D049BB133111EBUL;
        z ^= z >> 29;
        return (int)(z & 0x7FFFFFFF);
    }
}
