namespace TripletSharp.Data;

/// <summary>Splits <see cref="Interactions"/> into training and held-out positives (<see cref="InteractionsSplitMode"/>).</summary>
public static class InteractionsSplitter
{
    /// <summary>Splits <paramref name="data"/>. Ties in time keep file order (the later row is the later interaction).</summary>
    /// <param name="data">The interactions.</param>
    /// <param name="mode">How to split.</param>
    /// <param name="testFraction">Held-out share for <see cref="InteractionsSplitMode.Time"/> and <see cref="InteractionsSplitMode.Random"/>.</param>
    /// <param name="seed">Seed of the random split.</param>
    /// <exception cref="ArgumentException">A time-based split of data without times, or a fraction outside (0, 1).</exception>
    public static InteractionsSplit Split(Interactions data, InteractionsSplitMode mode, double testFraction = 0.2, int seed = 0)
    {
        Guard.NotNull(data, nameof(data));
        if (!(testFraction > 0 && testFraction < 1)) throw new ArgumentException($"'TestFraction' must be in (0, 1), got {testFraction}.", "TestFraction");
        if (mode != InteractionsSplitMode.Random && data.Times is null)
            throw new ArgumentException($"the split '{mode}' orders interactions by time, but {(data.Source.Length > 0 ? data.Source : "the data")} has no time column; name it with --time-column or use --split random.", "Split");
        int nu = data.UserCount;
        // Every user's interactions in time order (stable: file order breaks ties).
        var rows = new List<int>[nu];
        for (int u = 0; u < nu; u++) rows[u] = [];
        var order = Enumerable.Range(0, data.Count).ToArray();
        if (data.Times is { } t0) order = order.OrderBy(r => t0[r]).ToArray();
        foreach (int r in order) rows[data.Users[r]].Add(r);

        bool[] test = new bool[data.Count];
        bool[] dropped = new bool[data.Count];
        var times = data.Times;
        double cut = double.PositiveInfinity;
        if (mode == InteractionsSplitMode.Time)
        {
            var sorted = times!.Order().ToArray();
            cut = sorted[Math.Clamp((int)Math.Floor(sorted.Length * (1 - testFraction)), 0, sorted.Length - 1)];
        }
        var random = new Random(seed);
        int withoutPositives = 0, withoutTraining = 0;
        for (int u = 0; u < nu; u++)
        {
            var positives = rows[u].Where(r => data.Positive[r]).ToList();
            if (positives.Count == 0) { withoutPositives++; continue; }
            switch (mode)
            {
                case InteractionsSplitMode.LeaveLastOut:
                    if (positives.Count == 1) { withoutTraining++; break; }
                    test[positives[^1]] = true;
                    break;
                case InteractionsSplitMode.Time:
                    // Everything at or after the cut is held out; a user with no positive before it cannot be evaluated.
                    var late = rows[u].Where(r => times![r] >= cut).ToList();
                    if (late.Count == 0) break;
                    if (!positives.Any(r => times![r] < cut))
                    {
                        if (late.Any(r => data.Positive[r])) withoutTraining++;
                        foreach (int r in late) dropped[r] = true;
                        break;
                    }
                    foreach (int r in late) (data.Positive[r] ? test : dropped)[r] = true;
                    break;
                case InteractionsSplitMode.Random:
                    if (positives.Count == 1) { withoutTraining++; break; }
                    var shuffled = positives.OrderBy(_ => random.Next()).ToList();
                    int take = Math.Clamp((int)Math.Round(positives.Count * testFraction), 1, positives.Count - 1);
                    foreach (int r in shuffled.Take(take)) test[r] = true;
                    break;
            }
        }
        var trainPositives = new int[nu][];
        var seen = new int[nu][];
        var testPositives = new int[nu][];
        for (int u = 0; u < nu; u++)
        {
            var train = rows[u].Where(r => !test[r] && !dropped[r]).ToList();
            bool hasPositive = rows[u].Any(r => data.Positive[r]);
            trainPositives[u] = hasPositive ? train.Where(r => data.Positive[r]).Select(r => data.Items[r]).ToArray() : [];
            seen[u] = train.Select(r => data.Items[r]).ToArray();
            testPositives[u] = rows[u].Where(r => test[r]).Select(r => data.Items[r]).ToArray();
        }
        return new InteractionsSplit(data, mode, trainPositives, seen, testPositives, withoutPositives, withoutTraining);
    }
}
